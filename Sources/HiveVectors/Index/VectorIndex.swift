import HiveCore

/// The stable key of a vector in an index.
///
/// Ids are `Int64` so a SQLite table's `INTEGER PRIMARY KEY` (rowid) maps onto them directly:
/// the twin store keeps the table as truth and the index as derived data keyed by row id.
/// An id is never renumbered by removal, compaction or persistence.
public typealias VectorID = Int64

/// A vector index: exact or approximate nearest-neighbour search over fixed-dimension `Float` vectors.
///
/// Indexes are value types with copy-on-write storage. A copy is an immutable snapshot that any
/// number of threads may search at once (`search` is non-mutating and the types are `Sendable`);
/// mutation (`add`, `remove`) needs `inout` access, so Swift's exclusivity rules allow one writer
/// at a time per variable. To share one index between threads with one writer and concurrent
/// readers without copying, wrap it in ``SharedVectorIndex``.
///
/// Every mutating call validates all of its input before changing anything: on a thrown
/// ``HiveError`` the index is unchanged.
public protocol VectorIndex: Sendable {
    /// Number of components of every vector.
    var dimension: Int { get }
    /// The similarity the index ranks by.
    var metric: DistanceMetric { get }
    /// Number of live (searchable) vectors.
    var count: Int { get }

    /// Whether a live vector with this id is present.
    func contains(_ id: VectorID) -> Bool

    /// Adds one vector. Throws `duplicate` if the id is present, `dimensionMismatch` on a wrong
    /// length, `invalidInput` on NaN/Inf components or a zero vector under cosine.
    mutating func add(id: VectorID, vector: [Float]) throws

    /// Adds many vectors atomically: `vectors` is row-major, `ids.count × dimension` floats.
    /// Either all are added or (on error) none.
    mutating func add(ids: [VectorID], vectors: [Float]) throws

    /// Removes a vector. Throws `notFound` for an unknown id.
    mutating func remove(id: VectorID) throws

    /// The `k` best matches for `query`, best first (ties: smaller id first).
    /// Returns fewer than `k` hits only when fewer than `k` live vectors pass `filter`.
    func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [SearchHit]

    /// Searches many queries in one call; `queries` is row-major, `queryCount × dimension`.
    /// Result `i` belongs to query `i`.
    func search(batch queries: [Float], k: Int, filter: VectorFilter?) throws -> [[SearchHit]]

    /// Writes the index to `path` (atomically, through a temporary file) and returns the
    /// checksum of its contents, which ``init(contentsOf:expectedChecksum:)`` verifies.
    @discardableResult
    func save(to path: String) throws -> UInt64

    /// Loads an index written by ``save(to:)``. Throws `malformed` for a truncated, corrupt or
    /// foreign file, or when `expectedChecksum` is given and differs from the file's.
    init(contentsOf path: String, expectedChecksum: UInt64?) throws
}

extension VectorIndex {
    /// Adds many vectors given as rows. See ``add(ids:vectors:)``.
    public mutating func add(ids: [VectorID], rows: [[Float]]) throws {
        guard ids.count == rows.count else {
            throw HiveError(.invalidInput, "add: \(ids.count) ids but \(rows.count) vectors")
        }
        var flat: [Float] = []
        flat.reserveCapacity(rows.count * dimension)
        for (i, row) in rows.enumerated() {
            guard row.count == dimension else {
                throw HiveError(.dimensionMismatch, "add: vector \(i) has \(row.count) components, index has \(dimension)")
            }
            flat.append(contentsOf: row)
        }
        try add(ids: ids, vectors: flat)
    }

    /// Unfiltered search.
    public func search(_ query: [Float], k: Int) throws -> [SearchHit] {
        try search(query, k: k, filter: nil)
    }

    /// Searches many queries given as rows. See ``search(batch:k:filter:)``.
    public func search(batch rows: [[Float]], k: Int, filter: VectorFilter? = nil) throws -> [[SearchHit]] {
        var flat: [Float] = []
        flat.reserveCapacity(rows.count * dimension)
        for (i, row) in rows.enumerated() {
            guard row.count == dimension else {
                throw HiveError(.dimensionMismatch, "search: query \(i) has \(row.count) components, index has \(dimension)")
            }
            flat.append(contentsOf: row)
        }
        return try search(batch: flat, k: k, filter: filter)
    }

    /// Loads without an expected checksum (the file's own checksum is still verified).
    public init(contentsOf path: String) throws {
        try self.init(contentsOf: path, expectedChecksum: nil)
    }
}
