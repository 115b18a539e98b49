import HiveCore

/// Exact nearest-neighbour search over `Float` vectors.
///
/// Every search scores every stored vector with SIMD kernels (see `Kernels`), keeps the best `k`
/// in a bounded heap and breaks ties by smaller id. Single queries stream the matrix once; batch
/// searches are blocked so a block of stored rows is reused from cache by many queries.
///
/// A value type with copy-on-write storage: copies are snapshots that can be searched from any
/// number of threads while the original keeps changing. See ``VectorIndex``.
public struct FlatIndex: VectorIndex {
    public let dimension: Int
    public let metric: DistanceMetric
    var storage: FlatStorage

    /// Row length in floats: `dimension` rounded up to a whole SIMD chunk.
    var stride: Int { storage.vectors.stride }

    /// An empty index.
    public init(dimension: Int, metric: DistanceMetric = .cosine, capacity: Int = 0) throws {
        try VectorValidation.checkDimension(dimension)
        self.dimension = dimension
        self.metric = metric
        storage = FlatStorage(stride: Kernels.paddedStride(dimension), capacity: capacity)
    }

    init(dimension: Int, metric: DistanceMetric, storage: FlatStorage) {
        self.dimension = dimension
        self.metric = metric
        self.storage = storage
    }

    public var count: Int { storage.ids.count }

    /// Bytes held by vectors, ids and norms (excluding the id dictionary's overhead).
    public var byteCount: Int {
        storage.vectors.byteCount + storage.ids.count * 8 + storage.squaredNorms.count * 4
    }

    public func contains(_ id: VectorID) -> Bool { storage.slots[id] != nil }

    /// The stored vector for `id` (normalised under cosine), or nil.
    public func vector(for id: VectorID) -> [Float]? {
        guard let slot = storage.slots[id] else { return nil }
        let row = storage.vectors.row(Int(slot))
        return Array(UnsafeBufferPointer(start: row, count: dimension))
    }

    /// All live ids, in storage order.
    public var ids: [VectorID] { storage.ids }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    public mutating func add(id: VectorID, vector: [Float]) throws {
        try add(ids: [id], vectors: vector)
    }

    public mutating func add(ids newIDs: [VectorID], vectors: [Float]) throws {
        // Before any local reference to the storage exists: with one alive, `isKnownUniquelyReferenced`
        // is false and every add copied the whole index (a 50 000 × 384 index: 77 MB per add).
        // Copying an index that turns out not to need changing leaves its contents as they were.
        makeUnique()
        let storage = self.storage
        try VectorValidation.checkNewIDs(newIDs) { storage.slots[$0] != nil }
        try vectors.withUnsafeBufferPointer {
            try VectorValidation.checkRows($0, rows: newIDs.count, dimension: dimension, metric: metric, what: "add: vector")
        }
        guard !newIDs.isEmpty else { return }
        let s = storage
        s.vectors.reserve(s.vectors.rows + newIDs.count)
        vectors.withUnsafeBufferPointer { src in
            for (i, id) in newIDs.enumerated() {
                let row = s.vectors.appendRow()
                let norm = VectorMath.copyRow(src.baseAddress! + i * dimension, dimension: dimension, into: row, normalise: metric == .cosine)
                s.slots[id] = Int32(s.ids.count)
                s.ids.append(id)
                if metric == .l2 { s.squaredNorms.append(norm) }
            }
        }
    }

    public mutating func remove(id: VectorID) throws {
        guard let slot = storage.slots[id].map(Int.init) else {
            throw HiveError(.notFound, "remove: id \(id) is not in the index")
        }
        makeUnique()
        let s = storage
        let last = s.ids.count - 1
        s.vectors.swapRemove(slot)
        s.slots[id] = nil
        if slot != last {
            let moved = s.ids[last]
            s.ids[slot] = moved
            s.slots[moved] = Int32(slot)
            if metric == .l2 { s.squaredNorms[slot] = s.squaredNorms[last] }
        }
        s.ids.removeLast()
        if metric == .l2 { s.squaredNorms.removeLast() }
    }
}
