import HiveCore

extension HNSWIndex {
    /// File layout after the header (parameter = M): a meta section (efConstruction, efSearch,
    /// entry, top level, rng state, node count, tombstone count), ids, levels, tombstone flags,
    /// vector rows (bulk), squared norms under `.l2`, the level-0 link rows (bulk) and the
    /// upper-level lists concatenated. Loading validates every link, so even a file with a
    /// valid checksum but crafted contents cannot make a search read out of bounds.
    @discardableResult
    public func save(to path: String) throws -> UInt64 {
        var writer = try IndexFileWriter(path: path)
        do {
            let g = graph
            let meta: [UInt64] = [
                UInt64(efConstruction), UInt64(efSearch), UInt64(g.entry), UInt64(bitPattern: Int64(g.topLevel)),
                g.rngState, UInt64(g.nodeCount), UInt64(g.deletedCount),
            ]
            try writer.writeSection(meta)
            try writer.writeSection(g.ids)
            try writer.writeSection(g.levels)
            try writer.writeSection(g.deleted.map { UInt8($0 ? 1 : 0) })
            try writer.writeSection(UnsafeRawPointer(g.vectors.base), byteCount: g.vectors.byteCount)
            if metric == .l2 { try writer.writeSection(g.squaredNorms) }
            try writer.writeSection(UnsafeRawPointer(g.links0.base), byteCount: g.links0.byteCount)
            try writer.writeSection(g.upper.flatMap { $0 })
            return try writer.finish(kind: .hnsw, dimension: dimension, metric: metric, count: count, parameter: UInt64(m))
        } catch {
            writer.abandon()
            throw error
        }
    }

    public init(contentsOf path: String, expectedChecksum: UInt64?) throws {
        var reader = try IndexFileReader(path: path, kind: .hnsw, expectedChecksum: expectedChecksum)
        do {
            let header = reader.header
            func bad(_ what: String) -> HiveError { HiveError(.malformed, "\(path): \(what)") }
            guard (2...512).contains(header.parameter) else { throw bad("HNSW m \(header.parameter) out of range") }
            let m = Int(header.parameter)
            let meta = try reader.readArray(UInt64.self, count: 7, what: "meta")
            let n = meta[5], deletedCount = meta[6]
            guard n <= UInt64(Int32.max), deletedCount <= n, n - deletedCount == UInt64(header.count) else {
                throw bad("node counts are inconsistent")
            }
            let nodes = Int(n)
            guard (1...1 << 20).contains(meta[0]), (1...1 << 20).contains(meta[1]) else { throw bad("ef out of range") }
            let topLevel = Int(Int64(bitPattern: meta[3]))
            guard nodes == 0 ? topLevel == -1 : (0...16).contains(topLevel) && meta[2] < n else {
                throw bad("entry point out of range")
            }
            let ids = try reader.readArray(VectorID.self, count: nodes, what: "ids")
            let levels = try reader.readArray(UInt8.self, count: nodes, what: "levels")
            let flags = try reader.readArray(UInt8.self, count: nodes, what: "tombstones")
            let vectors = try reader.mapRows(Float.self, stride: Kernels.paddedStride(header.dimension), rows: nodes, what: "vectors")
            let norms = header.metric == .l2 ? try reader.readArray(Float.self, count: nodes, what: "norms") : []
            let links0 = try reader.mapRows(UInt32.self, stride: 2 * m + 1, rows: nodes, what: "level-0 links")
            let g = HNSWGraph(dimension: header.dimension, metric: header.metric, m: m, vectors: vectors, links0: links0, seed: meta[4])
            g.ids = ids
            g.levels = levels
            g.squaredNorms = norms
            var upperTotal = 0
            for level in g.levels {
                guard Int(level) <= topLevel else { throw bad("node level above the top level") }
                upperTotal += Int(level) * (m + 1)
            }
            let upperFlat = try reader.readArray(UInt32.self, count: upperTotal, what: "upper links")
            try reader.finish()

            // Validate structure before any search can run on it.
            g.deleted = flags.map { $0 != 0 }
            guard g.deleted.filter({ $0 }).count == Int(deletedCount) else { throw bad("tombstone count mismatch") }
            g.deletedCount = Int(deletedCount)
            for node in 0..<nodes {
                let row = g.links0.row(node)
                guard Int(row[0]) <= g.maxLevel0 else { throw bad("node \(node) has too many level-0 links") }
                for i in 0..<Int(row[0]) where row[1 + i] >= UInt32(nodes) { throw bad("node \(node) links outside the graph") }
            }
            var offset = 0
            g.upper.reserveCapacity(nodes)
            for node in 0..<nodes {
                let length = Int(g.levels[node]) * (m + 1)
                let list = Array(upperFlat[offset..<(offset + length)])
                offset += length
                for l in 0..<Int(g.levels[node]) {
                    let base = l * (m + 1)
                    guard Int(list[base]) <= m else { throw bad("node \(node) has too many links on level \(l + 1)") }
                    for i in 0..<Int(list[base]) {
                        let target = list[base + 1 + i]
                        guard target < UInt32(nodes), Int(g.levels[Int(target)]) > l else {
                            throw bad("node \(node) links to a node absent from level \(l + 1)")
                        }
                    }
                }
                g.upper.append(list)
            }
            if nodes > 0 {
                guard Int(g.levels[Int(meta[2])]) == topLevel else { throw bad("entry point is not on the top level") }
                g.entry = UInt32(meta[2])
            }
            g.topLevel = topLevel
            g.nodeOf.reserveCapacity(nodes)
            for (node, id) in g.ids.enumerated() where !g.deleted[node] {
                guard g.nodeOf.updateValue(UInt32(node), forKey: id) == nil else { throw bad("id \(id) appears twice") }
            }
            if header.metric == .l2, g.squaredNorms.count != nodes { throw bad("norms missing") }
            self.init(graph: g, efConstruction: Int(meta[0]), efSearch: Int(meta[1]))
        } catch {
            reader.abandon()
            throw error
        }
    }
}
