import Synchronization

/// Per-walk scratch memory for HNSW searches: the visited marks plus the two heaps and the
/// neighbour buffers, reused from walk to walk so a search allocates nothing in its loop.
///
/// Visited marks are cleared in O(1): a generation counter is bumped and a node counts as
/// visited only if its tag equals the current generation.
///
/// `@unchecked Sendable`: a scratch object is used by one walk at a time — taken from a
/// ``VisitedPool``, used on one thread, then returned — so it is never accessed concurrently.
final class SearchScratch: @unchecked Sendable {
    private var tags: UnsafeMutablePointer<UInt16>
    private var capacity: Int
    private var generation: UInt16 = 1
    var candidates = NodeHeap(capacity: 256)
    var results = NodeHeap(capacity: 256)
    let fresh: UnsafeMutablePointer<UInt32>
    let freshKeys: UnsafeMutablePointer<Float>

    init(capacity: Int, maxNeighbours: Int) {
        self.capacity = max(capacity, 16)
        tags = .allocate(capacity: self.capacity)
        tags.initialize(repeating: 0, count: self.capacity)
        fresh = .allocate(capacity: max(maxNeighbours, 1))
        freshKeys = .allocate(capacity: max(maxNeighbours, 1))
    }

    deinit {
        tags.deallocate()
        candidates.deallocate()
        results.deallocate()
        fresh.deallocate()
        freshKeys.deallocate()
    }

    /// Starts a new walk over `nodeCount` nodes (node ids are below `nodeCount`).
    func reset(nodeCount: Int) {
        candidates.removeAll()
        results.removeAll()
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

/// Reusable scratch objects, so concurrent searches on one index never allocate per query.
final class VisitedPool: Sendable {
    private let free = Mutex<[SearchScratch]>([])

    func withScratch<R>(nodeCount: Int, maxNeighbours: Int, _ body: (SearchScratch) throws -> R) rethrows -> R {
        let scratch = free.withLock { $0.popLast() } ?? SearchScratch(capacity: nodeCount, maxNeighbours: maxNeighbours)
        scratch.reset(nodeCount: nodeCount)
        defer { free.withLock { if $0.count < 16 { $0.append(scratch) } } }
        return try body(scratch)
    }
}

/// Keeps loads whose only purpose is to warm the cache: the optimiser must assume this
/// unoptimised function reads its argument.
@_optimize(none)
func keepAlive(_ value: UInt32) {}
