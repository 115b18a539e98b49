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

    /// Connects a node into every level it belongs to (algorithm 1 with the neighbour-selection
    /// heuristic, algorithm 4). The first node becomes the entry point. One scratch object
    /// serves the whole insert, so linking allocates nothing.
    func link(_ node: UInt32, efConstruction: Int) {
        let level = Int(levels[Int(node)])
        guard topLevel >= 0, node != entry else {
            entry = node
            topLevel = level
            return
        }
        links0.ensureOwned()
        visitedPool.withScratch(nodeCount: nodeCount, maxNeighbours: maxLevel0) { s in
            let q = UnsafePointer(vectors.row(Int(node)))
            var (ep, epKey) = descend(q, to: level)
            for l in Swift.stride(from: min(level, topLevel), through: 0, by: -1) {
                if deletedCount == 0 {
                    searchLayer(q, entry: ep, key: epKey, ef: efConstruction, level: l, accept: AcceptAll(), scratch: s)
                } else {
                    searchLayer(q, entry: ep, key: epKey, ef: efConstruction, level: l, accept: AcceptLive(deleted: deleted), scratch: s)
                    if s.results.isEmpty {
                        searchLayer(q, entry: ep, key: epKey, ef: efConstruction, level: l, accept: AcceptAll(), scratch: s)
                    }
                }
                // Drain the results worst first into the selection buffers back to front, so
                // they end up best first (the heap keeps negated keys).
                let n = s.results.count
                s.reserveSelection(n)
                var w = n
                while !s.results.isEmpty {
                    let (negKey, found) = s.results.pop()
                    if s.results.isEmpty {
                        ep = found
                        epKey = -negKey
                    }
                    guard found != node else { continue }
                    w -= 1
                    s.selectionKeys[w] = similarity(fromKey: -negKey, queryNode: node)
                    s.selectionNodes[w] = found
                }
                let chosen = selectNeighbours(
                    keys: s.selectionKeys + w, nodes: s.selectionNodes + w, count: n - w, max: m, into: s.chosen)
                setNeighbours(node, l, UnsafeBufferPointer(start: s.chosen, count: chosen))
                for i in 0..<chosen { addLink(from: s.chosen[i], to: node, level: l, scratch: s) }
            }
        }
        if level > topLevel {
            topLevel = level
            entry = node
        }
    }

    /// The neighbour-selection heuristic: walking candidates from closest (`keys` are their
    /// similarities to the base, sorted best first), keep one only if it is closer to the base
    /// than to every neighbour already kept (spreads links over directions). Writes the chosen
    /// nodes to `out` (which must not overlap the inputs) and returns how many.
    func selectNeighbours(
        keys: UnsafePointer<Float>, nodes: UnsafePointer<UInt32>, count: Int, max limit: Int,
        into out: UnsafeMutablePointer<UInt32>
    ) -> Int {
        if count <= limit {
            out.update(from: nodes, count: count)
            return count
        }
        var chosen = 0
        for i in 0..<count {
            if chosen >= limit { break }
            let e = nodes[i], sim = keys[i]
            var keep = true
            for j in 0..<chosen where similarity(e, out[j]) > sim {
                keep = false
                break
            }
            if keep {
                out[chosen] = e
                chosen += 1
            }
        }
        return chosen
    }

    /// The heuristic over an array of (similarity, node) sorted best first (used by repair).
    func selectNeighbours(_ candidates: [(sim: Float, node: UInt32)], max limit: Int) -> [UInt32] {
        let keys = candidates.map(\.sim), nodes = candidates.map(\.node)
        var out = [UInt32](repeating: 0, count: max(candidates.count, 1))
        let n = out.withUnsafeMutableBufferPointer { buffer in
            selectNeighbours(keys: keys, nodes: nodes, count: candidates.count, max: limit, into: buffer.baseAddress!)
        }
        return Array(out.prefix(n))
    }

    /// Adds a back link from `nb` to `node`, re-selecting `nb`'s list with the heuristic when it
    /// is full. Works in place on the list with scratch buffers.
    func addLink(from nb: UInt32, to node: UInt32, level: Int, scratch s: SearchScratch) {
        let limit = maxLinks(level)
        if level == 0 {
            addLink(list: links0.row(Int(nb)), from: nb, to: node, limit: limit, scratch: s)
        } else {
            let base = (level - 1) * (m + 1)
            upper[Int(nb)].withUnsafeMutableBufferPointer { list in
                addLink(list: list.baseAddress! + base, from: nb, to: node, limit: limit, scratch: s)
            }
        }
    }

    /// `list` is a count followed by up to `limit` links.
    private func addLink(list: UnsafeMutablePointer<UInt32>, from nb: UInt32, to node: UInt32, limit: Int, scratch s: SearchScratch) {
        let count = Int(list[0])
        for i in 0..<count where list[1 + i] == node { return }
        if count < limit {
            list[1 + count] = node
            list[0] = UInt32(count + 1)
            return
        }
        // Full: score the links and the newcomer against `nb`, insertion-sort them best first
        // (at most 2M + 1 of them), then re-select.
        let keys = s.linkKeys, nodes = s.linkNodes
        for i in 0...count {
            let x = i < count ? list[1 + i] : node
            let sim = similarity(nb, x)
            var j = i
            while j > 0, keys[j - 1] < sim {
                keys[j] = keys[j - 1]
                nodes[j] = nodes[j - 1]
                j -= 1
            }
            keys[j] = sim
            nodes[j] = x
        }
        let chosen = selectNeighbours(keys: keys, nodes: nodes, count: count + 1, max: limit, into: s.linkChosen)
        list[0] = UInt32(chosen)
        (list + 1).update(from: s.linkChosen, count: chosen)
    }
}
