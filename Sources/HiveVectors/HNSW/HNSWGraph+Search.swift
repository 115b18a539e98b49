extension HNSWGraph {
    /// Greedy descent on one upper level: moves to the closest neighbour until none is closer.
    func greedy(_ q: UnsafePointer<Float>, from start: UInt32, key startKey: Float, level: Int) -> (UInt32, Float) {
        var current = start, currentKey = startKey
        var moved = true
        while moved {
            moved = false
            for nb in neighbourArray(current, level) {
                let k = key(q, nb)
                if k > currentKey {
                    currentKey = k
                    current = nb
                    moved = true
                }
            }
        }
        return (current, currentKey)
    }

    /// Descends from the entry point to level `target`, returning the closest node found there.
    func descend(_ q: UnsafePointer<Float>, to target: Int) -> (UInt32, Float) {
        var ep = entry, epKey = key(q, entry)
        var level = topLevel
        while level > target {
            (ep, epKey) = greedy(q, from: ep, key: epKey, level: level)
            level -= 1
        }
        return (ep, epKey)
    }

    /// Beam search on one level (Malkov & Yashunin, algorithm 2). Every reached node guides the
    /// walk, but only nodes passing `accept` (live, allowed by a filter) enter the results, so
    /// tombstones and filtered-out nodes keep the graph connected without being returned.
    /// Returns up to `ef` (key, node) pairs, unordered.
    func searchLayer(
        _ q: UnsafePointer<Float>, entry ep: UInt32, key epKey: Float, ef: Int, level: Int,
        accept: ((UInt32) -> Bool)?
    ) -> (keys: [Float], nodes: [UInt32]) {
        visitedPool.withSet(nodeCount: nodeCount) { visited in
            var candidates = NodeHeap(capacity: 4 * ef)
            var results = NodeHeap(capacity: ef + 1)  // keys negated: top is the worst result
            _ = visited.insert(ep)
            candidates.push(epKey, ep)
            if accept?(ep) ?? true { results.push(-epKey, ep) }
            var worst: Float = results.count >= ef ? -results.topKey : -.infinity
            var fresh = [UInt32](repeating: 0, count: maxLevel0)
            var freshKeys = [Float](repeating: 0, count: maxLevel0)
            while !candidates.isEmpty {
                let (ck, c) = candidates.pop()
                if ck < worst, results.count >= ef { break }
                // Collect the unvisited neighbours first, then score them together, so their
                // cache misses overlap instead of serialising behind heap updates.
                var nFresh = 0
                if level == 0 {
                    for nb in neighbours0(c) where visited.insert(nb) {
                        fresh[nFresh] = nb
                        nFresh += 1
                    }
                } else {
                    for nb in neighbourArray(c, level) where visited.insert(nb) {
                        fresh[nFresh] = nb
                        nFresh += 1
                    }
                }
                for i in 0..<nFresh { freshKeys[i] = key(q, fresh[i]) }
                for i in 0..<nFresh {
                    let k = freshKeys[i], nb = fresh[i]
                    guard results.count < ef || k > worst else { continue }
                    candidates.push(k, nb)
                    if accept?(nb) ?? true {
                        results.push(-k, nb)
                        if results.count > ef { results.pop() }
                        if results.count >= ef { worst = -results.topKey }
                    }
                }
            }
            return (results.keys.map { -$0 }, results.nodes)
        }
    }

    /// The `k` best accepted nodes for `q` (best first, ties by smaller id).
    func search(_ q: UnsafePointer<Float>, k: Int, ef: Int, accept: ((UInt32) -> Bool)?) -> [(key: Float, node: UInt32)] {
        guard topLevel >= 0 else { return [] }
        let (ep, epKey) = descend(q, to: 0)
        let found = searchLayer(q, entry: ep, key: epKey, ef: max(ef, k), level: 0, accept: accept)
        return zip(found.keys, found.nodes)
            .sorted { $0.0 > $1.0 || ($0.0 == $1.0 && ids[Int($0.1)] < ids[Int($1.1)]) }
            .prefix(k)
            .map { (key: $0.0, node: $0.1) }
    }
}
