import Synchronization

/// Marks nodes seen during one graph walk. Clearing is O(1): a generation counter is bumped and
/// a node counts as visited only if its tag equals the current generation.
///
/// `@unchecked Sendable`: a set is used by one walk at a time — taken from a ``VisitedPool``,
/// used on one thread, then returned — so it is never accessed concurrently.
final class VisitedSet: @unchecked Sendable {
    private var tags: [UInt16]
    private var generation: UInt16 = 1

    init(capacity: Int) { tags = [UInt16](repeating: 0, count: capacity) }

    /// Starts a new walk over `nodeCount` nodes.
    func reset(nodeCount: Int) {
        if tags.count < nodeCount {
            tags.append(contentsOf: repeatElement(0, count: max(nodeCount, tags.count * 3 / 2) - tags.count))
        }
        if generation == .max {
            for i in tags.indices { tags[i] = 0 }
            generation = 1
        } else {
            generation += 1
        }
    }

    /// Marks `node`; returns true if it was not yet visited in this walk.
    @inline(__always)
    func insert(_ node: UInt32) -> Bool {
        let i = Int(node)
        if tags[i] == generation { return false }
        tags[i] = generation
        return true
    }
}

/// Reusable visited sets, so concurrent searches on one index never allocate per query.
final class VisitedPool: Sendable {
    private let free = Mutex<[VisitedSet]>([])

    func withSet<R>(nodeCount: Int, _ body: (VisitedSet) throws -> R) rethrows -> R {
        let set = free.withLock { $0.popLast() } ?? VisitedSet(capacity: nodeCount)
        set.reset(nodeCount: nodeCount)
        defer { free.withLock { if $0.count < 16 { $0.append(set) } } }
        return try body(set)
    }
}
