/// The shared, copy-on-write state of a ``FlatIndex``.
///
/// `@unchecked Sendable`: mutated only through a `FlatIndex` that holds the sole reference
/// (checked with `isKnownUniquelyReferenced` before every write), so no thread can observe a write.
final class FlatStorage: @unchecked Sendable {
    let vectors: RowBuffer<Float>
    /// External id of each row.
    var ids: [VectorID]
    /// Row of each external id.
    var slots: [VectorID: Int32]
    /// Squared norm of each row (kept for `.l2`, empty otherwise).
    var squaredNorms: [Float]

    init(stride: Int, capacity: Int = 0) {
        vectors = RowBuffer(stride: stride, capacity: capacity)
        ids = []
        slots = [:]
        squaredNorms = []
    }

    /// Storage around existing rows (e.g. mapped from a file); ids are filled in by the caller.
    init(vectors: RowBuffer<Float>) {
        self.vectors = vectors
        ids = []
        slots = [:]
        squaredNorms = []
    }

    private init(vectors: RowBuffer<Float>, ids: [VectorID], slots: [VectorID: Int32], squaredNorms: [Float]) {
        self.vectors = vectors
        self.ids = ids
        self.slots = slots
        self.squaredNorms = squaredNorms
    }

    func copy() -> FlatStorage {
        FlatStorage(vectors: vectors.copy(), ids: ids, slots: slots, squaredNorms: squaredNorms)
    }
}
