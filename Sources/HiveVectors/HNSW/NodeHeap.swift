/// A binary max-heap of (key, node) pairs over caller-owned scratch memory, used by the HNSW
/// graph walks (no allocation or copy-on-write checks per push). For a min-heap, push negated
/// keys. Grows by reallocating its buffers, which belong to a ``SearchScratch``.
struct NodeHeap {
    private(set) var keys: UnsafeMutablePointer<Float>
    private(set) var nodes: UnsafeMutablePointer<UInt32>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        keys = .allocate(capacity: self.capacity)
        nodes = .allocate(capacity: self.capacity)
    }

    /// Frees the buffers (called by the owning scratch object).
    func deallocate() {
        keys.deallocate()
        nodes.deallocate()
    }

    var isEmpty: Bool { count == 0 }
    var topKey: Float { keys[0] }
    var topNode: UInt32 { nodes[0] }

    mutating func removeAll() { count = 0 }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let k = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity)
        let n = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
        k.update(from: keys, count: count)
        n.update(from: nodes, count: count)
        keys.deallocate()
        nodes.deallocate()
        keys = k
        nodes = n
        capacity = newCapacity
    }

    @inline(__always)
    mutating func push(_ key: Float, _ node: UInt32) {
        if count == capacity { grow() }
        var i = count
        count += 1
        while i > 0 {
            let p = (i - 1) >> 1
            guard keys[p] < key else { break }
            keys[i] = keys[p]
            nodes[i] = nodes[p]
            i = p
        }
        keys[i] = key
        nodes[i] = node
    }

    @inline(__always)
    @discardableResult
    mutating func pop() -> (key: Float, node: UInt32) {
        let top = (keys[0], nodes[0])
        count -= 1
        let n = count
        if n > 0 {
            let lastKey = keys[n], lastNode = nodes[n]
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var c = l
                if l + 1 < n, keys[l + 1] > keys[l] { c = l + 1 }
                guard keys[c] > lastKey else { break }
                keys[i] = keys[c]
                nodes[i] = nodes[c]
                i = c
            }
            keys[i] = lastKey
            nodes[i] = lastNode
        }
        return top
    }
}
