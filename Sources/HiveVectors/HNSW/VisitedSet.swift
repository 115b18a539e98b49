import Synchronization

/// Marks nodes seen during one graph walk. Clearing is O(1): a generation counter is bumped and
/// a node counts as visited only if its tag equals the current generation.
///
/// `@unchecked Sendable`: a set is used by one walk at a time — taken from a ``VisitedPool``,
/// used on one thread, then returned — so it is never accessed concurrently.
final class VisitedSet: @unchecked Sendable {
    private var tags: UnsafeMutablePointer<UInt16>
    private var capacity: Int
    private var generation: UInt16 = 1

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        tags = .allocate(capacity: self.capacity)
        tags.initialize(repeating: 0, count: self.capacity)
    }

    deinit { tags.deallocate() }

    /// Starts a new walk over `nodeCount` nodes (node ids are below `nodeCount`).
    func reset(nodeCount: Int) {
        if capacity < nodeCount {
            tags.deallocate()
            capacity = max(nodeCount, capacity * 3 / 2)
            tags = .allocate(capacity: capacity)
            tags.initialize(repeating: 0, count: capacity)
            generation = 1
            return
        }
        if generation == .max {
            tags.update(repeating: 0, count: capacity)
            generation = 1
        } else {
            generation += 1
        }
    }

    /// Marks `node`; returns true if it was not yet visited in this walk.
    @inline(__always)
    func insert(_ node: UInt32) -> Bool {
        let p = tags + Int(node)
        if p.pointee == generation { return false }
        p.pointee = generation
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
