import Dispatch
import HiveCore

extension FlatIndex {
    /// Rows scored per kernel call before selection (a 1 KB score block stays in L1).
    static let rowBlock = 256
    /// Queries per block in batch search: 64 padded 384-d queries (96 KB) plus a 256-row block
    /// of the matrix (384 KB) fit in a 1 MB L2 together.
    static let queryBlock = 64

    public func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [SearchHit] {
        try VectorValidation.checkK(k)
        let prepared = try PreparedQueries(query, dimension: dimension, stride: stride, metric: metric, what: "search: query")
        guard prepared.count == 1 else {
            throw HiveError(.dimensionMismatch, "search: query has \(query.count) components, index has \(dimension)")
        }
        let kk = min(k, count)
        guard kk > 0 else { return [] }
        var heap = TopK(k: kk)
        scan(prepared.rows.row(0), into: &heap, filter: filter)
        return Self.hits(heap, metric: metric, queryNorm: prepared.squaredNorms[0])
    }

    public func search(batch queries: [Float], k: Int, filter: VectorFilter?) throws -> [[SearchHit]] {
        try search(batch: queries, k: k, filter: filter, threads: 1)
    }

    /// Batch search split over `threads` threads (each takes whole query blocks).
    public func search(batch queries: [Float], k: Int, filter: VectorFilter?, threads: Int) throws -> [[SearchHit]] {
        try VectorValidation.checkK(k)
        let prepared = try PreparedQueries(queries, dimension: dimension, stride: stride, metric: metric, what: "search: query")
        let nq = prepared.count
        let kk = min(k, count)
        guard kk > 0 else { return Array(repeating: [], count: nq) }
        var results = [[SearchHit]](repeating: [], count: nq)
        let blocks = (nq + Self.queryBlock - 1) / Self.queryBlock
        results.withUnsafeMutableBufferPointer { out in
            // Each block writes only its own disjoint range of `out`.
            nonisolated(unsafe) let out = out
            let work: @Sendable (Int) -> Void = { b in
                let lo = b * Self.queryBlock, hi = min(nq, lo + Self.queryBlock)
                let heaps = searchBlock(prepared, range: lo..<hi, k: kk, filter: filter)
                for (i, heap) in heaps.enumerated() {
                    out[lo + i] = Self.hits(heap, metric: metric, queryNorm: prepared.squaredNorms[lo + i])
                }
            }
            if threads > 1, blocks > 1 {
                DispatchQueue.concurrentPerform(iterations: blocks, execute: work)
            } else {
                for b in 0..<blocks { work(b) }
            }
        }
        return results
    }

    static func hits(_ heap: TopK, metric: DistanceMetric, queryNorm: Float) -> [SearchHit] {
        heap.sorted().map { entry in
            SearchHit(id: entry.id, score: metric == .l2 ? max(0, queryNorm - entry.key) : entry.key)
        }
    }

    /// Scores every row (or just the allowed rows when they are few) against one prepared query.
    func scan(_ q: UnsafePointer<Float>, into heap: inout TopK, filter: VectorFilter?) {
        let s = storage
        let n = s.ids.count
        let chunks = stride / Kernels.lanes
        if let allowed = filter?.allowed, allowed.count * 16 < n {
            for id in allowed {
                guard let slot = s.slots[id].map(Int.init) else { continue }
                var key = Kernels.dot(q, s.vectors.row(slot), chunks: chunks)
                if metric == .l2 { key = 2 * key - s.squaredNorms[slot] }
                heap.push(key, id)
            }
            return
        }
        let block = Self.rowBlock
        withUnsafeTemporaryAllocation(of: Float.self, capacity: block) { scratchBuffer in
            let scratch = scratchBuffer.baseAddress!
            s.ids.withUnsafeBufferPointer { ids in
                s.squaredNorms.withUnsafeBufferPointer { norms in
                    var threshold = heap.threshold
                    var r0 = 0
                    while r0 < n {
                        let m = min(block, n - r0)
                        Kernels.dotRows(q, s.vectors.row(r0), stride: stride, count: m, into: scratch)
                        if metric == .l2 {
                            for i in 0..<m { scratch[i] = 2 * scratch[i] - norms[r0 + i] }
                        }
                        for i in 0..<m where scratch[i] >= threshold {
                            let id = ids[r0 + i]
                            guard heap.admits(scratch[i], id) else { continue }
                            if let filter, !filter.includes(id) { continue }
                            heap.push(scratch[i], id)
                            threshold = heap.threshold
                        }
                        r0 += m
                    }
                }
            }
        }
    }

    /// Exact top-k for queries `range` of `prepared`: for each block of stored rows, a tile of
    /// 4 × 4 dot products at a time (rows reused from L2 by every query of the block), then
    /// selection per query.
    func searchBlock(_ prepared: PreparedQueries, range: Range<Int>, k: Int, filter: VectorFilter?) -> [TopK] {
        var heaps = [TopK](repeating: TopK(k: k), count: range.count)
        if let allowed = filter?.allowed, allowed.count * 16 < count {
            for (i, qi) in range.enumerated() { scan(prepared.rows.row(qi), into: &heaps[i], filter: filter) }
            return heaps
        }
        let s = storage
        let n = s.ids.count
        let chunks = stride / Kernels.lanes
        let rb = Self.rowBlock
        let nq = range.count
        let q0 = prepared.rows.row(range.lowerBound)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: nq * rb) { tileBuffer in
            let tile = tileBuffer.baseAddress!
            s.ids.withUnsafeBufferPointer { ids in
                s.squaredNorms.withUnsafeBufferPointer { norms in
                    var r0 = 0
                    while r0 < n {
                        let m = min(rb, n - r0)
                        let x = s.vectors.row(r0)
                        let m4 = m / 4 * 4
                        var qi = 0
                        while qi + 4 <= nq {
                            let q = q0 + qi * stride
                            var rj = 0
                            while rj < m4 {
                                Kernels.dot4x4(q, x + rj * stride, stride: stride, chunks: chunks, into: tile + qi * rb + rj, outStride: rb)
                                rj += 4
                            }
                            for t in 0..<4 where m4 < m {
                                Kernels.dotRows(q + t * stride, x + m4 * stride, stride: stride, count: m - m4, into: tile + (qi + t) * rb + m4)
                            }
                            qi += 4
                        }
                        while qi < nq {
                            Kernels.dotRows(q0 + qi * stride, x, stride: stride, count: m, into: tile + qi * rb)
                            qi += 1
                        }
                        for i in 0..<nq {
                            let scores = tile + i * rb
                            if metric == .l2 {
                                for j in 0..<m { scores[j] = 2 * scores[j] - norms[r0 + j] }
                            }
                            var threshold = heaps[i].threshold
                            for j in 0..<m where scores[j] >= threshold {
                                let id = ids[r0 + j]
                                guard heaps[i].admits(scores[j], id) else { continue }
                                if let filter, !filter.includes(id) { continue }
                                heaps[i].push(scores[j], id)
                                threshold = heaps[i].threshold
                            }
                        }
                        r0 += m
                    }
                }
            }
        }
        return heaps
    }
}
