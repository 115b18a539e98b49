extension HNSWGraph {
    /// Appends a node (vector copied in, normalised under cosine) with a random level; returns it.
    func appendNode(id: VectorID, vector: UnsafePointer<Float>) -> UInt32 {
        let node = UInt32(nodeCount)
        let row = vectors.appendRow()
        let norm = VectorMath.copyRow(vector, dimension: dimension, into: row, normalise: metric == .cosine)
        _ = links0.appendRow()
        let level = randomLevel()
        upper.append(level > 0 ? [UInt32](repeating: 0, count: level * (m + 1)) : [])
        levels.append(UInt8(level))
        ids.append(id)
        nodeOf[id] = node
        deleted.append(false)
        if metric == .l2 { squaredNorms.append(norm) }
        return node
    }

    var liveAccept: ((UInt32) -> Bool)? {
        deletedCount == 0 ? nil : { [deleted] in !deleted[Int($0)] }
    }

    /// Connects a node into every level it belongs to (algorithm 1 with the neighbour-selection
    /// heuristic, algorithm 4). The first node becomes the entry point.
    func link(_ node: UInt32, efConstruction: Int) {
        let level = Int(levels[Int(node)])
        guard topLevel >= 0, node != entry else {
            entry = node
            topLevel = level
            return
        }
        let q = vectors.row(Int(node))
        var (ep, epKey) = descend(q, to: level)
        for l in Swift.stride(from: min(level, topLevel), through: 0, by: -1) {
            var found = searchLayer(q, entry: ep, key: epKey, ef: efConstruction, level: l, accept: liveAccept)
            if found.nodes.isEmpty {
                found = searchLayer(q, entry: ep, key: epKey, ef: efConstruction, level: l, accept: nil)
            }
            var candidates: [(sim: Float, node: UInt32)] = []
            candidates.reserveCapacity(found.nodes.count)
            for (k, n) in zip(found.keys, found.nodes) where n != node {
                candidates.append((similarity(fromKey: k, queryNode: node), n))
            }
            candidates.sort { $0.sim > $1.sim }
            let chosen = selectNeighbours(candidates, max: m)
            setNeighbours(node, l, chosen)
            for nb in chosen { addLink(from: nb, to: node, level: l) }
            if let best = zip(found.keys, found.nodes).max(by: { $0.0 < $1.0 }) {
                (epKey, ep) = best
            }
        }
        if level > topLevel {
            topLevel = level
            entry = node
        }
    }

    /// The neighbour-selection heuristic: walking candidates from closest, keep one only if it
    /// is closer to the base than to every neighbour already kept (spreads links over directions).
    func selectNeighbours(_ candidates: [(sim: Float, node: UInt32)], max limit: Int) -> [UInt32] {
        if candidates.count <= limit { return candidates.map(\.node) }
        var chosen: [UInt32] = []
        chosen.reserveCapacity(limit)
        for (sim, e) in candidates {
            if chosen.count >= limit { break }
            var keep = true
            for r in chosen where similarity(e, r) > sim {
                keep = false
                break
            }
            if keep { chosen.append(e) }
        }
        return chosen
    }

    /// Adds a back link, re-selecting the list with the heuristic when it is full.
    func addLink(from nb: UInt32, to node: UInt32, level: Int) {
        var list = neighbourArray(nb, level)
        if list.contains(node) { return }
        if list.count < maxLinks(level) {
            list.append(node)
            setNeighbours(nb, level, list)
            return
        }
        list.append(node)
        let candidates = list.map { (sim: similarity(nb, $0), node: $0) }.sorted { $0.sim > $1.sim }
        setNeighbours(nb, level, selectNeighbours(candidates, max: maxLinks(level)))
    }
}
