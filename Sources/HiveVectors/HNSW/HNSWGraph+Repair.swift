extension HNSWGraph {
    /// Reconnects every live node that links to a tombstone, then returns a compacted copy of
    /// the graph without the tombstoned nodes.
    ///
    /// A live node's new list is chosen (with the selection heuristic) from its live neighbours
    /// plus the live neighbours of each tombstoned neighbour, so paths that ran through deleted
    /// nodes survive. Nodes left without any level-0 link are relinked by a fresh search.
    func repaired(efConstruction: Int) -> HNSWGraph {
        for u in 0..<nodeCount where !deleted[u] {
            let node = UInt32(u)
            for l in 0...Int(levels[u]) {
                let list = neighbourArray(node, l)
                guard list.contains(where: { deleted[Int($0)] }) else { continue }
                var pool = Set<UInt32>()
                for v in list {
                    if !deleted[Int(v)] {
                        pool.insert(v)
                    } else {
                        for w in neighbourArray(v, l) where !deleted[Int(w)] && w != node { pool.insert(w) }
                    }
                }
                let candidates = pool.map { (sim: similarity(node, $0), node: $0) }
                    .sorted { $0.sim > $1.sim || ($0.sim == $1.sim && $0.node < $1.node) }
                setNeighbours(node, l, selectNeighbours(candidates, max: maxLinks(l)))
            }
        }
        let live = nodeCount - deletedCount
        let fresh = HNSWGraph(dimension: dimension, metric: metric, m: m, capacity: live, seed: rngState)
        var newIndex = [UInt32](repeating: .max, count: nodeCount)
        var next: UInt32 = 0
        for u in 0..<nodeCount where !deleted[u] {
            newIndex[u] = next
            next += 1
        }
        for u in 0..<nodeCount where !deleted[u] {
            let row = fresh.vectors.appendRow()
            row.update(from: vectors.row(u), count: stride)
            _ = fresh.links0.appendRow()
            fresh.upper.append(upper[u])
            fresh.levels.append(levels[u])
            fresh.ids.append(ids[u])
            fresh.nodeOf[ids[u]] = newIndex[u]
            fresh.deleted.append(false)
            if metric == .l2 { fresh.squaredNorms.append(squaredNorms[u]) }
        }
        for u in 0..<nodeCount where !deleted[u] {
            for l in 0...Int(levels[u]) {
                let list = neighbourArray(UInt32(u), l).compactMap { newIndex[Int($0)] == .max ? nil : newIndex[Int($0)] }
                fresh.setNeighbours(newIndex[u], l, list)
            }
        }
        // Entry point: keep it if live, else the live node with the highest level.
        if live > 0 {
            if !deleted[Int(entry)] {
                fresh.entry = newIndex[Int(entry)]
                fresh.topLevel = topLevel
            } else {
                var best = 0
                for u in 0..<live where fresh.levels[u] > fresh.levels[best] { best = u }
                fresh.entry = UInt32(best)
                fresh.topLevel = Int(fresh.levels[best])
            }
            for u in 0..<live where UInt32(u) != fresh.entry && fresh.neighbours0(UInt32(u)).isEmpty {
                fresh.link(UInt32(u), efConstruction: efConstruction)
            }
        }
        return fresh
    }
}
