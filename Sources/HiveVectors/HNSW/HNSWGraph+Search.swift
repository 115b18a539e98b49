extension HNSWGraph {
    /// Greedy descent on one upper level: moves to the closest neighbour until none is closer.
    func greedy(_ q: UnsafePointer<Float>, from start: UInt32, key startKey: Float, level: Int) -> (UInt32, Float) {
        var current = start, currentKey = startKey
        var moved = true
        let base = (level - 1) * (m + 1)
        while moved {
            moved = false
            let node = current
            upper[Int(node)].withUnsafeBufferPointer { list in
                let count = Int(list[base])
                for i in 0..<count {
                    let nb = list[base + 1 + i]
                    let k = key(q, nb)
                    if k > currentKey {
                        currentKey = k
                        current = nb
                        moved = true
                    }
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
        visitedPool.withScratch(nodeCount: nodeCount, maxNeighbours: maxLevel0) { scratch in
            let fresh = scratch.fresh, freshKeys = scratch.freshKeys
            _ = scratch.insert(ep)
            scratch.candidates.push(epKey, ep)
            // Results keep negated keys: the top is the worst result.
            if accept?(ep) ?? true { scratch.results.push(-epKey, ep) }
            var worst: Float = scratch.results.count >= ef ? -scratch.results.topKey : -.infinity
            var sink: UInt32 = 0
            let vectorBase = UnsafeRawPointer(vectors.base)
            let rowBytes = stride * 4
            let linkBase = UnsafePointer(links0.base), linkStride = links0.stride
            while !scratch.candidates.isEmpty {
                let (ck, c) = scratch.candidates.pop()
                if ck < worst, scratch.results.count >= ef { break }
                // Collect the unvisited neighbours first, then score them together, so their
                // cache misses overlap instead of serialising behind heap updates.
                var nFresh = 0
                if level == 0 {
                    for nb in neighbours0(c) where scratch.insert(nb) {
                        fresh[nFresh] = nb
                        nFresh += 1
                    }
                } else {
                    for nb in neighbourArray(c, level) where scratch.insert(nb) {
                        fresh[nFresh] = nb
                        nFresh += 1
                    }
                }
                // Touch every cache line of the fresh vectors before any dot product: the loads
                // are independent, so their misses overlap (Swift has no prefetch intrinsic).
                // Also the first line of each fresh node's level-0 list: the node is likely to be
                // expanded later, and its list lives in a separate buffer.
                if level == 0 {
                    for i in 0..<nFresh { sink ^= linkBase[Int(fresh[i]) &* linkStride] }
                }
                for i in 0..<nFresh {
                    let row = vectorBase + Int(fresh[i]) &* rowBytes
                    var o = 0
                    while o < rowBytes {
                        sink ^= row.load(fromByteOffset: o, as: UInt32.self)
                        o &+= 64
                    }
                }
                for i in 0..<nFresh { freshKeys[i] = key(q, fresh[i]) }
                for i in 0..<nFresh {
                    let k = freshKeys[i], nb = fresh[i]
                    guard scratch.results.count < ef || k > worst else { continue }
                    scratch.candidates.push(k, nb)
                    if accept?(nb) ?? true {
                        scratch.results.push(-k, nb)
                        if scratch.results.count > ef { scratch.results.pop() }
                        if scratch.results.count >= ef { worst = -scratch.results.topKey }
                    }
                }
            }
            keepAlive(sink)
            let n = scratch.results.count
            return (
                Array(UnsafeBufferPointer(start: scratch.results.keys, count: n)).map { -$0 },
                Array(UnsafeBufferPointer(start: scratch.results.nodes, count: n))
            )
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
