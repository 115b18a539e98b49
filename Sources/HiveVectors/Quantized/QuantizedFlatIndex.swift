import HiveCore

/// Exact-order search over int8 scalar-quantised vectors.
///
/// Every vector is held as int8 codes with a per-vector scale (`x ≈ code × scale`). A search scans
/// the codes with an int8-quantised query, keeps the best ``rescoreCount(for:)`` candidates by
/// that approximate score, rescores them and returns the best `k` in exact order of the rescored
/// values. Only a neighbour whose approximate score falls outside the candidate set can be
/// missed; ``recall(queries:k:)`` measures how often that happens.
///
/// What the rescoring compares against is the ``Rescoring`` mode, fixed at creation:
/// - ``Rescoring/f32``: each vector is also kept as f32 (four times the bytes of its codes);
///   candidates are rescored exactly against those rows.
/// - ``Rescoring/none`` (int8-only): no f32 rows are kept, in memory or on disk; candidates are
///   rescored as `query(f32) · code × scale`, i.e. exactly against the dequantised vectors. Use it
///   when the vectors' source of truth is itself int8 (an f32 copy of dequantised codes adds
///   nothing) or when a quarter of the footprint matters more than the quantisation error.
public struct QuantizedFlatIndex: VectorIndex {
    /// What candidates from the int8 scan are rescored against.
    public enum Rescoring: Sendable, Equatable {
        /// The f32 vectors, kept beside the codes (file ≈ N × (5d + 12) bytes).
        case f32
        /// The dequantised codes, `code × scale`; no f32 rows are kept (file ≈ N × (d + 12) bytes).
        case none
    }

    /// Ids, slots and `.l2` norms; under ``Rescoring/f32`` also the exact f32 rows. Under
    /// ``Rescoring/none`` its row buffer has stride 0 (one empty row per vector, so slots and
    /// swap-removal stay aligned with the codes) and its norms are those of the dequantised vectors.
    var exact: FlatIndex
    var codes: Int8Codes
    /// See ``Rescoring``.
    public let rescoring: Rescoring

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

    /// Row length of an f32 query (the dimension padded to whole SIMD chunks).
    var queryStride: Int { Kernels.paddedStride(dimension) }

    /// An empty index.
    public init(dimension: Int, metric: DistanceMetric = .cosine, capacity: Int = 0, rescoring: Rescoring = .f32) throws {
        switch rescoring {
        case .f32:
            exact = try FlatIndex(dimension: dimension, metric: metric, capacity: capacity)
        case .none:
            try VectorValidation.checkDimension(dimension)
            exact = FlatIndex(dimension: dimension, metric: metric, storage: FlatStorage(stride: 0))
        }
        codes = Int8Codes(stride: Self.codeStride(dimension), capacity: capacity)
        self.rescoring = rescoring
    }

    /// Quantises an existing exact index (keeping its f32 rows for rescoring).
    public init(_ flat: FlatIndex) {
        exact = flat
        codes = Int8Codes(stride: Self.codeStride(flat.dimension), capacity: flat.count)
        for slot in 0..<flat.count {
            codes.append(flat.storage.vectors.row(slot), dimension: flat.dimension)
        }
        rescoring = .f32
    }

    init(exact: FlatIndex, codes: Int8Codes, rescoring: Rescoring) {
        self.exact = exact
        self.codes = codes
        self.rescoring = rescoring
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
        if rescoring == .none {
            try addInt8Only(ids: ids, vectors: vectors)
            return
        }
        let first = exact.count
        try exact.add(ids: ids, vectors: vectors)  // validates everything before changing anything
        if !isKnownUniquelyReferenced(&codes) { codes = codes.copy() }
        codes.rows.reserve(exact.count)
        for slot in first..<exact.count {
            codes.append(exact.storage.vectors.row(slot), dimension: dimension)
        }
    }

    /// ``add(ids:vectors:)`` under ``Rescoring/none``: validates everything first, then normalises
    /// (cosine) and quantises each vector straight into the codes; no f32 row is kept.
    mutating func addInt8Only(ids: [VectorID], vectors: [Float]) throws {
        let current = exact.storage
        try VectorValidation.checkNewIDs(ids) { current.slots[$0] != nil }
        try vectors.withUnsafeBufferPointer {
            try VectorValidation.checkRows($0, rows: ids.count, dimension: dimension, metric: metric, what: "add: vector")
        }
        guard !ids.isEmpty else { return }
        if !isKnownUniquelyReferenced(&exact.storage) { exact.storage = exact.storage.copy() }
        if !isKnownUniquelyReferenced(&codes) { codes = codes.copy() }
        let s = exact.storage
        let total = s.ids.count + ids.count
        codes.rows.reserve(total)
        s.ids.reserveCapacity(total)
        var scratch = [Float](repeating: 0, count: queryStride)
        vectors.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { row in
                for (i, id) in ids.enumerated() {
                    _ = VectorMath.copyRow(src.baseAddress! + i * dimension, dimension: dimension, into: row.baseAddress!, normalise: metric == .cosine)
                    codes.append(row.baseAddress!, dimension: dimension)
                    if metric == .cosine { Self.normaliseScale(codes, slot: codes.scales.count - 1, dimension: dimension) }
                    _ = s.vectors.appendRow()  // stride 0: keeps FlatIndex's row count equal to its id count
                    s.slots[id] = Int32(s.ids.count)
                    s.ids.append(id)
                    if metric == .l2 { s.squaredNorms.append(Self.dequantisedSquaredNorm(codes, slot: s.ids.count - 1, dimension: dimension)) }
                }
            }
        }
    }

    /// Under cosine, sets the scale so that `code × scale` has unit norm: the rescored
    /// `q̂ · code × scale` is then exactly the cosine between the query and the dequantised vector.
    static func normaliseScale(_ codes: Int8Codes, slot: Int, dimension: Int) {
        let row = codes.rows.row(slot)
        var sum: Float = 0
        for j in 0..<dimension { sum += Float(row[j]) * Float(row[j]) }
        if sum > 0 { codes.scales[slot] = 1 / sum.squareRoot() }
    }

    /// `|code × scale|²` of one stored vector.
    static func dequantisedSquaredNorm(_ codes: Int8Codes, slot: Int, dimension: Int) -> Float {
        let row = codes.rows.row(slot)
        var sum: Float = 0
        for j in 0..<dimension { sum += Float(row[j]) * Float(row[j]) }
        return sum * codes.scales[slot] * codes.scales[slot]
    }

    /// `q · code` of one stored vector, in f32 (the ``Rescoring/none`` rescoring kernel).
    @inline(__always)
    static func dotDequantised(_ q: UnsafePointer<Float>, _ code: UnsafePointer<Int8>, dimension: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        while j + 8 <= dimension {
            let c = SIMD8<Float>(
                Float(code[j]), Float(code[j + 1]), Float(code[j + 2]), Float(code[j + 3]),
                Float(code[j + 4]), Float(code[j + 5]), Float(code[j + 6]), Float(code[j + 7]))
            let x = UnsafeRawPointer(q + j).loadUnaligned(as: SIMD8<Float>.self)
            acc += x * c
            j += 8
        }
        var sum = acc.sum()
        while j < dimension {
            sum += q[j] * Float(code[j])
            j += 1
        }
        return sum
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
        let prepared = try PreparedQueries(queries, dimension: dimension, stride: queryStride, metric: metric, what: "search: query")
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

    /// Rescored candidates (against f32 rows or the dequantised codes, per ``rescoring``); the
    /// best `k` in exact order of those scores.
    func rescore(_ q: UnsafePointer<Float>, candidates: TopK, k: Int, queryNorm: Float) -> [SearchHit] {
        let s = exact.storage
        let chunks = exact.stride / Kernels.lanes
        let int8Only = rescoring == .none
        var best = TopK(k: k)
        for id in candidates.ids {
            guard let slot = s.slots[id].map(Int.init) else { continue }
            var key =
                int8Only
                ? Self.dotDequantised(q, codes.rows.row(slot), dimension: dimension) * codes.scales[slot]
                : Kernels.dot(q, s.vectors.row(slot), chunks: chunks)
            if metric == .l2 { key = 2 * key - s.squaredNorms[slot] }
            best.push(key, id)
        }
        return FlatIndex.hits(best, metric: metric, queryNorm: queryNorm)
    }

    /// Mean recall@k of this index, over `queries` (row-major), against an exact scan of what it
    /// rescores against: the f32 vectors, or under ``Rescoring/none`` the dequantised codes
    /// (every vector a candidate).
    public func recall(queries: [Float], k: Int) throws -> Double {
        let approximate = try search(batch: queries, k: k, filter: nil)
        let truth: [[SearchHit]]
        switch rescoring {
        case .f32:
            truth = try exact.search(batch: queries, k: k, filter: nil)
        case .none:
            var full = self
            full.rescoreFactor = Int.max
            truth = try full.search(batch: queries, k: k, filter: nil)
        }
        var total = 0.0
        for (a, t) in zip(approximate, truth) {
            let truthIDs = Set(t.map(\.id))
            total += truthIDs.isEmpty ? 1 : Double(a.filter { truthIDs.contains($0.id) }.count) / Double(truthIDs.count)
        }
        return approximate.isEmpty ? 1 : total / Double(approximate.count)
    }
}
