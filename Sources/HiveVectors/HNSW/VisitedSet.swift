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
    /// Unvisited neighbours of the node being expanded.
    let fresh: UnsafeMutablePointer<UInt32>
    /// Distance computations since the last ``reset(nodeCount:)`` (a walk's work budget).
    var distances = 0
    /// Insert-time neighbour selection: the walk's results best first, then the chosen links.
    private(set) var selectionKeys: UnsafeMutablePointer<Float>
    private(set) var selectionNodes: UnsafeMutablePointer<UInt32>
    private var selectionCapacity: Int
    let chosen: UnsafeMutablePointer<UInt32>
    /// Back-link re-selection of one full neighbour list (its links plus the new node).
    let linkKeys: UnsafeMutablePointer<Float>
    let linkNodes: UnsafeMutablePointer<UInt32>
    let linkChosen: UnsafeMutablePointer<UInt32>

    init(capacity: Int, maxNeighbours: Int) {
        self.capacity = max(capacity, 16)
        tags = .allocate(capacity: self.capacity)
        tags.initialize(repeating: 0, count: self.capacity)
        let lists = max(maxNeighbours, 1) + 1
        fresh = .allocate(capacity: lists)
        selectionCapacity = 256
        selectionKeys = .allocate(capacity: selectionCapacity)
        selectionNodes = .allocate(capacity: selectionCapacity)
        chosen = .allocate(capacity: lists)
        linkKeys = .allocate(capacity: lists)
        linkNodes = .allocate(capacity: lists)
        linkChosen = .allocate(capacity: lists)
    }

    deinit {
        tags.deallocate()
        candidates.deallocate()
        results.deallocate()
        fresh.deallocate()
        selectionKeys.deallocate()
        selectionNodes.deallocate()
        chosen.deallocate()
        linkKeys.deallocate()
        linkNodes.deallocate()
        linkChosen.deallocate()
    }

    /// Makes room for `count` selection candidates.
    func reserveSelection(_ count: Int) {
        guard count > selectionCapacity else { return }
        selectionKeys.deallocate()
        selectionNodes.deallocate()
        selectionCapacity = max(count, selectionCapacity * 2)
        selectionKeys = .allocate(capacity: selectionCapacity)
        selectionNodes = .allocate(capacity: selectionCapacity)
    }

    /// Starts a new walk over `nodeCount` nodes (node ids are below `nodeCount`).
    func reset(nodeCount: Int) {
        distances = 0
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
