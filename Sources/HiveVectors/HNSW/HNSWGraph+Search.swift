import CHivePrefetch
import Foundation

/// How the level-0 walk prefetches the vectors it is about to score (see ``HNSWGraph/searchLayer``).
/// Read once from `HIVE_HNSW_PREFETCH` so the strategies can be compared on one binary:
/// 0 none, 1 first line of every fresh vector then all lines of the next one (default),
/// 2 every line of every fresh vector up front, 3 first line of the next vector only.
let hnswPrefetchMode: Int = {
    if let raw = ProcessInfo.processInfo.environment["HIVE_HNSW_PREFETCH"], let v = Int(raw) { return v }
    return 1
}()

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
    /// walk, but only nodes `accept` allows (live, passing a filter) enter the results, so
    /// tombstones and filtered-out nodes keep the graph connected without being returned.
    ///
    /// Leaves up to `ef` results in `scratch.results` (negated keys: the top is the worst kept).
    /// Returns false if it gave up after more than `budget` distance computations.
    @discardableResult
    func searchLayer<A: NodeAcceptor>(
        _ q: UnsafePointer<Float>, entry ep: UInt32, key epKey: Float, ef: Int, level: Int,
        accept: A, scratch: SearchScratch, budget: Int = .max
    ) -> Bool {
        scratch.reset(nodeCount: nodeCount)
        let fresh = scratch.fresh
        _ = scratch.insert(ep)
        scratch.candidates.push(epKey, ep)
        if accept.accepts(ep) { scratch.results.push(-epKey, ep) }
        var worst: Float = scratch.results.count >= ef ? -scratch.results.topKey : -.infinity
        let vectorBase = UnsafeRawPointer(vectors.base)
        let rowBytes = vectors.stride &* 4
        let lines = (rowBytes &+ 63) / 64
        let linkBase = UnsafePointer(links0.base), linkStride = links0.stride
        let mode = hnswPrefetchMode
        var spent = 0
        while !scratch.candidates.isEmpty {
            let (ck, c) = scratch.candidates.pop()
            if ck < worst, scratch.results.count >= ef { break }
            // Collect the unvisited neighbours first, prefetch their vectors, then score them:
            // the misses overlap instead of serialising behind each dot product.
            var nFresh = 0
            if level == 0 {
                let list = linkBase + Int(c) &* linkStride
                let count = Int(list[0])
                for i in 0..<count {
                    let nb = list[1 &+ i]
                    if scratch.insert(nb) {
                        fresh[nFresh] = nb
                        nFresh &+= 1
                    }
                }
            } else {
                let base = (level - 1) * (m + 1)
                upper[Int(c)].withUnsafeBufferPointer { list in
                    for i in 0..<Int(list[base]) {
                        let nb = list[base + 1 + i]
                        if scratch.insert(nb) {
                            fresh[nFresh] = nb
                            nFresh &+= 1
                        }
                    }
                }
            }
            if mode == 1 {
                for i in 0..<nFresh { hive_prefetch(vectorBase + Int(fresh[i]) &* rowBytes) }
            } else if mode == 2 {
                for i in 0..<nFresh { hive_prefetch_lines(vectorBase + Int(fresh[i]) &* rowBytes, lines) }
            }
            for i in 0..<nFresh {
                if i &+ 1 < nFresh, mode == 1 || mode == 3 {
                    let next = vectorBase + Int(fresh[i &+ 1]) &* rowBytes
                    if mode == 1 { hive_prefetch_lines(next, lines) } else { hive_prefetch(next) }
                }
                let nb = fresh[i]
                let k = key(q, nb)
                guard scratch.results.count < ef || k > worst else { continue }
                scratch.candidates.push(k, nb)
                // Its list is read if the walk expands it; it lives apart from the vector.
                if level == 0 { hive_prefetch(linkBase + Int(nb) &* linkStride) }
                if accept.accepts(nb) {
                    scratch.results.push(-k, nb)
                    if scratch.results.count > ef { scratch.results.pop() }
                    if scratch.results.count >= ef { worst = -scratch.results.topKey }
                }
            }
            spent &+= nFresh
            if spent > budget {
                scratch.distances = spent
                return false
            }
        }
        scratch.distances = spent
        return true
    }

    /// The `k` best accepted nodes for `q` (best first, ties by smaller id), or nil when the
    /// walk spent more than `budget` distance computations.
    func search<A: NodeAcceptor>(
        _ q: UnsafePointer<Float>, k: Int, ef: Int, accept: A, budget: Int = .max
    ) -> [(key: Float, node: UInt32)]? {
        guard topLevel >= 0 else { return [] }
        return visitedPool.withScratch(nodeCount: nodeCount, maxNeighbours: maxLevel0) { scratch in
            let (ep, epKey) = descend(q, to: 0)
            guard searchLayer(q, entry: ep, key: epKey, ef: max(ef, k), level: 0, accept: accept, scratch: scratch, budget: budget)
            else { return nil }
            // Drop the worst while it is strictly worse than every remaining result (so ties at
            // the k-th place are still decided by id below), then sort the rest.
            var results = scratch.results
            while results.count > k {
                let dropped = results.pop()
                if !(results.topKey < dropped.key) {
                    results.push(dropped.key, dropped.node)
                    break
                }
            }
            var out: [(key: Float, node: UInt32)] = []
            out.reserveCapacity(results.count)
            for i in 0..<results.count { out.append((-results.keys[i], results.nodes[i])) }
            scratch.results = results
            let ids = self.ids
            out.sort { $0.key > $1.key || ($0.key == $1.key && ids[Int($0.node)] < ids[Int($1.node)]) }
            if out.count > k { out.removeLast(out.count - k) }
            return out
        }
    }

    /// Distance computations of the last unfiltered walk at `ef` for `q` (calibrates the
    /// filtered-search cost model in tests and benchmarks).
    func walkCost(_ q: UnsafePointer<Float>, ef: Int) -> Int {
        guard topLevel >= 0 else { return 0 }
        return visitedPool.withScratch(nodeCount: nodeCount, maxNeighbours: maxLevel0) { scratch in
            let (ep, epKey) = descend(q, to: 0)
            searchLayer(q, entry: ep, key: epKey, ef: ef, level: 0, accept: AcceptAll(), scratch: scratch)
            return scratch.distances
        }
    }
}
