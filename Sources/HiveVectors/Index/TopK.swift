/// A bounded heap that keeps the `k` best (key, id) pairs seen so far.
///
/// Keys are "higher is better"; equal keys are ordered by smaller id first, so results are
/// deterministic. The root is the worst kept pair, so rejecting a candidate — the common case in
/// a scan — is one comparison against ``threshold``.
struct TopK {
    let k: Int
    private(set) var keys: [Float] = []
    private(set) var ids: [VectorID] = []

    init(k: Int) {
        self.k = k
        keys.reserveCapacity(k)
        ids.reserveCapacity(k)
    }

    var isFull: Bool { keys.count >= k }
    var count: Int { keys.count }

    /// The key a candidate must reach to possibly enter (−∞ until full).
    @inline(__always)
    var threshold: Float { isFull ? keys[0] : -.infinity }

    /// Whether (a, ai) ranks strictly worse than (b, bi).
    @inline(__always)
    private static func worse(_ a: Float, _ ai: VectorID, _ b: Float, _ bi: VectorID) -> Bool {
        a < b || (a == b && ai > bi)
    }

    /// Whether a candidate would enter the heap (call before evaluating a filter).
    @inline(__always)
    func admits(_ key: Float, _ id: VectorID) -> Bool {
        if !isFull { return true }
        return Self.worse(keys[0], ids[0], key, id)
    }

    /// Offers a candidate; keeps it if it ranks among the best `k`.
    @inline(__always)
    mutating func push(_ key: Float, _ id: VectorID) {
        if keys.count < k {
            keys.append(key)
            ids.append(id)
            siftUp(keys.count - 1)
        } else if Self.worse(keys[0], ids[0], key, id) {
            keys[0] = key
            ids[0] = id
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let p = (i - 1) / 2
            if Self.worse(keys[i], ids[i], keys[p], ids[p]) {
                keys.swapAt(i, p)
                ids.swapAt(i, p)
                i = p
            } else { return }
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = keys.count
        while true {
            let l = 2 * i + 1
            if l >= n { return }
            var w = l
            let r = l + 1
            if r < n, Self.worse(keys[r], ids[r], keys[l], ids[l]) { w = r }
            if Self.worse(keys[w], ids[w], keys[i], ids[i]) {
                keys.swapAt(i, w)
                ids.swapAt(i, w)
                i = w
            } else { return }
        }
    }

    /// The kept pairs, best first.
    func sorted() -> [(key: Float, id: VectorID)] {
        zip(keys, ids).map { (key: $0, id: $1) }.sorted { Self.worse($1.key, $1.id, $0.key, $0.id) }
    }
}
