/// Restricts a search to some ids.
///
/// The predicate is evaluated only for candidates that would otherwise enter the result set,
/// not for every stored vector, so even a costly predicate is cheap per search. When the
/// allowed ids are known up front (``ids(_:)``), indexes use the exact set size to choose a
/// strategy (an HNSW index scans the allowed vectors exactly when they are few). A ``mask(_:allowedCount:)``
/// filter is a dense bitmap by id: one load decides an id, so flat indexes test it *before*
/// scoring a vector and skip the work for every vector it rejects.
public struct VectorFilter: Sendable {
    /// The allowed ids, when known explicitly.
    public let allowed: Set<VectorID>?
    /// Dense allow-list by id (`mask[id]`; ids outside it are rejected), when given as a mask.
    public let mask: [Bool]?
    /// How many ids the filter allows, when known (an id set's size, or a mask's count).
    public let allowedCount: Int?
    private let predicate: @Sendable (VectorID) -> Bool

    /// Allows exactly these ids.
    public static func ids(_ ids: Set<VectorID>) -> VectorFilter {
        VectorFilter(allowed: ids, mask: nil, allowedCount: ids.count, predicate: { ids.contains($0) })
    }

    /// Allows the ids for which `isIncluded` returns true. It must be pure (same answer for the
    /// same id) and thread-safe: searches may call it from several threads.
    public static func predicate(_ isIncluded: @escaping @Sendable (VectorID) -> Bool) -> VectorFilter {
        VectorFilter(allowed: nil, mask: nil, allowedCount: nil, predicate: isIncluded)
    }

    /// Allows id `i` exactly when `mask[i]` is true (negative and out-of-range ids are rejected).
    /// Suited to small dense ids such as SQLite row ids; `allowedCount` (the number of true
    /// entries, counted here when omitted) lets indexes pick a strategy without sampling.
    public static func mask(_ mask: [Bool], allowedCount: Int? = nil) -> VectorFilter {
        let count = allowedCount ?? mask.reduce(0) { $0 + ($1 ? 1 : 0) }
        return VectorFilter(
            allowed: nil, mask: mask, allowedCount: count,
            predicate: { id in id >= 0 && id < mask.count && mask[Int(id)] })
    }

    private init(allowed: Set<VectorID>?, mask: [Bool]?, allowedCount: Int?, predicate: @escaping @Sendable (VectorID) -> Bool) {
        self.allowed = allowed
        self.mask = mask
        self.allowedCount = allowedCount
        self.predicate = predicate
    }

    /// Whether `id` passes the filter.
    @inline(__always)
    public func includes(_ id: VectorID) -> Bool { predicate(id) }
}
