/// A binary max-heap of (key, node) pairs used by the HNSW graph walks.
/// For a min-heap, push negated keys.
struct NodeHeap {
    private(set) var keys: [Float] = []
    private(set) var nodes: [UInt32] = []

    init(capacity: Int) {
        keys.reserveCapacity(capacity)
        nodes.reserveCapacity(capacity)
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }
    var topKey: Float { keys[0] }
    var topNode: UInt32 { nodes[0] }

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
    }

    mutating func push(_ key: Float, _ node: UInt32) {
        keys.append(key)
        nodes.append(node)
        var i = keys.count - 1
        while i > 0 {
            let p = (i - 1) >> 1
            guard keys[p] < keys[i] else { break }
            keys.swapAt(p, i)
            nodes.swapAt(p, i)
            i = p
        }
    }

    @discardableResult
    mutating func pop() -> (key: Float, node: UInt32) {
        let top = (keys[0], nodes[0])
        let lastKey = keys.removeLast(), lastNode = nodes.removeLast()
        let n = keys.count
        if n > 0 {
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
