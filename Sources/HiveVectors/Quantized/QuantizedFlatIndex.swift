import HiveCore

/// Exact-order search over int8 scalar-quantised vectors with f32 rescoring.
///
/// Each vector is stored twice: as f32 (the truth, used for rescoring and persistence) and as
/// int8 codes with a per-vector scale (a quarter of the bytes, so a scan moves a quarter of the
/// memory). A search scans the codes, keeps the best ``rescoreCount(for:)`` candidates by
/// approximate score, rescores those in f32 and returns the best `k` of them in exact order.
/// Only a true neighbour whose approximate score falls outside the candidate set can be missed;
/// ``recall(queries:k:)`` measures how often that happens against an exact scan.
public struct QuantizedFlatIndex: VectorIndex {
    /// The exact f32 rows (shared layout and slots with the codes).
    var exact: FlatIndex
    var codes: Int8Codes

    /// Candidates rescored per query: `max(k × rescoreFactor, k + minimumExtraCandidates)`.
    public var rescoreFactor: Int = 4
    /// See ``rescoreFactor``.
    public var minimumExtraCandidates: Int = 40

    public var dimension: Int { exact.dimension }
    public var metric: DistanceMetric { exact.metric }
    public var count: Int { exact.count }

    /// Bytes held by the int8 codes and scales (what a search scans).
    public var codeByteCount: Int { codes.rows.byteCount + codes.scales.count * 4 }
    /// Bytes held in total, f32 rows included.
    public var byteCount: Int { exact.byteCount + codeByteCount }

    static func codeStride(_ dimension: Int) -> Int { Kernels.paddedStride(dimension, multiple: Kernels.int8Lanes) }

    /// An empty index.
    public init(dimension: Int, metric: DistanceMetric = .cosine, capacity: Int = 0) throws {
        exact = try FlatIndex(dimension: dimension, metric: metric, capacity: capacity)
        codes = Int8Codes(stride: Self.codeStride(dimension), capacity: capacity)
    }

    /// Quantises an existing exact index.
    public init(_ flat: FlatIndex) {
        exact = flat
        codes = Int8Codes(stride: Self.codeStride(flat.dimension), capacity: flat.count)
        for slot in 0..<flat.count {
            codes.append(flat.storage.vectors.row(slot), dimension: flat.dimension)
        }
    }

    init(exact: FlatIndex, codes: Int8Codes) {
        self.exact = exact
        self.codes = codes
    }

    /// Candidates rescored in f32 for a given `k`.
    public func rescoreCount(for k: Int) -> Int {
        let scaled = k.multipliedReportingOverflow(by: max(rescoreFactor, 1))
        let padded = k.addingReportingOverflow(max(minimumExtraCandidates, 0))
        return max(scaled.overflow ? Int.max : scaled.partialValue, padded.overflow ? Int.max : padded.partialValue)
    }

    public func contains(_ id: VectorID) -> Bool { exact.contains(id) }

    public mutating func add(id: VectorID, vector: [Float]) throws {
        try add(ids: [id], vectors: vector)
    }

    public mutating func add(ids: [VectorID], vectors: [Float]) throws {
        let first = exact.count
        try exact.add(ids: ids, vectors: vectors)  // validates everything before changing anything
        if !isKnownUniquelyReferenced(&codes) { codes = codes.copy() }
        codes.rows.reserve(exact.count)
        for slot in first..<exact.count {
            codes.append(exact.storage.vectors.row(slot), dimension: dimension)
        }
    }

    public mutating func remove(id: VectorID) throws {
        guard let slot = exact.storage.slots[id].map(Int.init) else {
            throw HiveError(.notFound, "remove: id \(id) is not in the index")
        }
        try exact.remove(id: id)
        if !isKnownUniquelyReferenced(&codes) { codes = codes.copy() }
        codes.swapRemove(slot)  // mirrors FlatIndex's swap-remove, keeping slots aligned
    }

    public func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [SearchHit] {
        guard query.count == dimension else {
            throw HiveError(.dimensionMismatch, "search: query has \(query.count) components, index has \(dimension)")
        }
        return try search(batch: query, k: k, filter: filter).first ?? []
    }

    public func search(batch queries: [Float], k: Int, filter: VectorFilter?) throws -> [[SearchHit]] {
        try VectorValidation.checkK(k)
        let prepared = try PreparedQueries(queries, dimension: dimension, stride: exact.stride, metric: metric, what: "search: query")
        let kk = min(k, count)
        guard kk > 0 else { return Array(repeating: [], count: prepared.count) }
        let candidates = min(rescoreCount(for: kk), count)
        var queryCode = [Int8](repeating: 0, count: codes.rows.stride)
        return (0..<prepared.count).map { qi in
            let q = prepared.rows.row(qi)
            let scale = queryCode.withUnsafeMutableBufferPointer {
                Int8Codes.quantize(q, dimension: dimension, into: $0.baseAddress!)
            }
            var approx = TopK(k: candidates)
            let split = queryCode.withUnsafeBufferPointer { Kernels.splitInt8Query($0.baseAddress!, stride: codes.rows.stride) }
            split.withUnsafeBufferPointer { scanCodes($0.baseAddress!, scale: scale, into: &approx, filter: filter) }
            return rescore(q, candidates: approx, k: kk, queryNorm: prepared.squaredNorms[qi])
        }
    }

    /// Approximate scores from the int8 codes: `q·x ≈ (qcode·xcode) × qscale × xscale`.
    func scanCodes(_ q: UnsafePointer<SIMD16<Int32>>, scale: Float, into heap: inout TopK, filter: VectorFilter?) {
        let s = exact.storage
        let n = s.ids.count
        let stride = codes.rows.stride
        let l2 = metric == .l2
        if let allowed = filter?.allowed, allowed.count * 16 < n {
            for id in allowed {
                guard let slot = s.slots[id].map(Int.init) else { continue }
                var key = Float(Kernels.dotInt8(q, codes.rows.row(slot), stride: stride)) * scale * codes.scales[slot]
                if l2 { key = 2 * key - s.squaredNorms[slot] }
                heap.push(key, id)
            }
            return
        }
        if let mask = filter?.mask {
            scanCodes(q, scale: scale, into: &heap, mask: mask)
            return
        }
        s.ids.withUnsafeBufferPointer { ids in
            codes.scales.withUnsafeBufferPointer { scales in
                s.squaredNorms.withUnsafeBufferPointer { norms in
                    var threshold = heap.threshold
                    let base = codes.rows.base
                    var r = 0
                    @inline(__always) func offer(_ key: Float, _ slot: Int) {
                        guard key >= threshold else { return }
                        let id = ids[slot]
                        guard heap.admits(key, id) else { return }
                        if let filter, !filter.includes(id) { return }
                        heap.push(key, id)
                        threshold = heap.threshold
                    }
                    while r + 4 <= n {
                        let dots = SIMD4<Float>(Kernels.dotInt8x4Rows(q, base + r * stride, stride: stride))
                        var keys = dots * scale * SIMD4(scales[r], scales[r + 1], scales[r + 2], scales[r + 3])
                        if l2 { keys = 2 * keys - SIMD4(norms[r], norms[r + 1], norms[r + 2], norms[r + 3]) }
                        offer(keys[0], r); offer(keys[1], r + 1); offer(keys[2], r + 2); offer(keys[3], r + 3)
                        r += 4
                    }
                    while r < n {
                        var key = Float(Kernels.dotInt8(q, base + r * stride, stride: stride)) * scale * scales[r]
                        if l2 { key = 2 * key - norms[r] }
                        offer(key, r)
                        r += 1
                    }
                }
            }
        }
    }

    /// ``scanCodes(_:scale:into:filter:)`` for a mask filter: rows the mask rejects are skipped
    /// before their dot product, so a filter passing one row in six costs about a sixth of a scan.
    func scanCodes(_ q: UnsafePointer<SIMD16<Int32>>, scale: Float, into heap: inout TopK, mask: [Bool]) {
        let s = exact.storage
        let n = s.ids.count
        let stride = codes.rows.stride
        let l2 = metric == .l2
        s.ids.withUnsafeBufferPointer { ids in
            codes.scales.withUnsafeBufferPointer { scales in
                s.squaredNorms.withUnsafeBufferPointer { norms in
                    mask.withUnsafeBufferPointer { allowed in
                        let base = codes.rows.base
                        var threshold = heap.threshold
                        var pending = (0, 0, 0, 0)
                        var filled = 0
                        @inline(__always) func offer(_ key: Float, _ slot: Int) {
                            var key = key * scale * scales[slot]
                            if l2 { key = 2 * key - norms[slot] }
                            guard key >= threshold else { return }
                            heap.push(key, ids[slot])
                            threshold = heap.threshold
                        }
                        for slot in 0..<n {
                            let id = ids[slot]
                            guard id >= 0, id < allowed.count, allowed[Int(id)] else { continue }
                            switch filled {
                            case 0: pending.0 = slot
                            case 1: pending.1 = slot
                            case 2: pending.2 = slot
                            default: pending.3 = slot
                            }
                            filled += 1
                            guard filled == 4 else { continue }
                            let dots = SIMD4<Float>(
                                Kernels.dotInt8x4Gather(
                                    q, base + pending.0 * stride, base + pending.1 * stride, base + pending.2 * stride,
                                    base + pending.3 * stride, stride: stride))
                            offer(dots[0], pending.0); offer(dots[1], pending.1)
                            offer(dots[2], pending.2); offer(dots[3], pending.3)
                            filled = 0
                        }
                        let rest = [pending.0, pending.1, pending.2, pending.3].prefix(filled)
                        for slot in rest { offer(Float(Kernels.dotInt8(q, base + slot * stride, stride: stride)), slot) }
                    }
                }
            }
        }
    }

    /// Exact f32 scores for the candidates; the best `k` in exact order.
    func rescore(_ q: UnsafePointer<Float>, candidates: TopK, k: Int, queryNorm: Float) -> [SearchHit] {
        let s = exact.storage
        let chunks = exact.stride / Kernels.lanes
        var best = TopK(k: k)
        for id in candidates.ids {
            guard let slot = s.slots[id].map(Int.init) else { continue }
            var key = Kernels.dot(q, s.vectors.row(slot), chunks: chunks)
            if metric == .l2 { key = 2 * key - s.squaredNorms[slot] }
            best.push(key, id)
        }
        return FlatIndex.hits(best, metric: metric, queryNorm: queryNorm)
    }

    /// Mean recall@k of this index against an exact f32 scan of the same vectors, over
    /// `queries` (row-major).
    public func recall(queries: [Float], k: Int) throws -> Double {
        let approximate = try search(batch: queries, k: k, filter: nil)
        let truth = try exact.search(batch: queries, k: k, filter: nil)
        var total = 0.0
        for (a, t) in zip(approximate, truth) {
            let truthIDs = Set(t.map(\.id))
            total += truthIDs.isEmpty ? 1 : Double(a.filter { truthIDs.contains($0.id) }.count) / Double(truthIDs.count)
        }
        return approximate.isEmpty ? 1 : total / Double(approximate.count)
    }
}
