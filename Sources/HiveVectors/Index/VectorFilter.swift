/// Restricts a search to some ids.
///
/// The predicate is evaluated only for candidates that would otherwise enter the result set,
/// not for every stored vector, so even a costly predicate is cheap per search. When the
/// allowed ids are known up front (``ids(_:)``), indexes use the exact set size to choose a
/// strategy (an HNSW index scans the allowed vectors exactly when they are few).
public struct VectorFilter: Sendable {
    /// The allowed ids, when known explicitly.
    public let allowed: Set<VectorID>?
    private let predicate: @Sendable (VectorID) -> Bool

    /// Allows exactly these ids.
    public static func ids(_ ids: Set<VectorID>) -> VectorFilter {
        VectorFilter(allowed: ids, predicate: { ids.contains($0) })
    }

    /// Allows the ids for which `isIncluded` returns true. It must be pure (same answer for the
    /// same id) and thread-safe: searches may call it from several threads.
    public static func predicate(_ isIncluded: @escaping @Sendable (VectorID) -> Bool) -> VectorFilter {
        VectorFilter(allowed: nil, predicate: isIncluded)
    }

    private init(allowed: Set<VectorID>?, predicate: @escaping @Sendable (VectorID) -> Bool) {
        self.allowed = allowed
        self.predicate = predicate
    }

    /// Whether `id` passes the filter.
    @inline(__always)
    public func includes(_ id: VectorID) -> Bool { predicate(id) }
}
