import HiveCore

/// Approximate nearest-neighbour search on a hierarchical navigable small-world graph
/// (Malkov & Yashunin 2018).
///
/// - ``m``: links per node on upper levels (2M on level 0); ``efConstruction``: beam width
///   while inserting; ``efSearch``: beam width while searching (raised to `k` when smaller).
/// - Inserts are incremental. ``remove(id:)`` tombstones the node: it keeps guiding walks but
///   is never returned; once tombstones exceed ``autoRepairFraction`` of the nodes (or on
///   ``repair()``), their neighbours are reconnected around them and they are dropped.
/// - Filtered search walks the graph with the filter applied to results; when the filter allows
///   fewer than ``exactSearchSelectivity`` of the vectors (or the walk finds fewer than `k`),
///   it scans the allowed vectors exactly instead, so a selective filter still returns `k` hits.
///
/// A value type with copy-on-write storage; copies are snapshots safe to search concurrently.
public struct HNSWIndex: VectorIndex {
    var graph: HNSWGraph

    public var dimension: Int { graph.dimension }
    public var metric: DistanceMetric { graph.metric }
    /// Links per node on upper levels; level 0 keeps up to `2 × m`.
    public var m: Int { graph.m }
    /// Beam width while inserting.
    public var efConstruction: Int
    /// Beam width while searching.
    public var efSearch: Int
    /// Tombstone share that triggers an automatic ``repair()`` on removal.
    public var autoRepairFraction: Double = 0.25
    /// Filters allowing a smaller share of the vectors than this are answered by an exact scan.
    public var exactSearchSelectivity: Double = 0.1

    /// An empty index. `seed` fixes the random level assignment, so builds are reproducible.
    public init(
        dimension: Int, metric: DistanceMetric = .cosine, m: Int = 16, efConstruction: Int = 200,
        efSearch: Int = 64, capacity: Int = 0, seed: UInt64 = 0x4849_5645
    ) throws {
        try VectorValidation.checkDimension(dimension)
        guard (2...512).contains(m) else { throw HiveError(.invalidInput, "HNSW m must be in 2...512, got \(m)") }
        guard efConstruction >= 1, efSearch >= 1 else {
            throw HiveError(.invalidInput, "HNSW efConstruction and efSearch must be positive")
        }
        graph = HNSWGraph(dimension: dimension, metric: metric, m: m, capacity: capacity, seed: seed)
        self.efConstruction = efConstruction
        self.efSearch = efSearch
    }

    init(graph: HNSWGraph, efConstruction: Int, efSearch: Int) {
        self.graph = graph
        self.efConstruction = efConstruction
        self.efSearch = efSearch
    }

    public var count: Int { graph.nodeCount - graph.deletedCount }
    /// Tombstoned nodes awaiting repair.
    public var tombstoneCount: Int { graph.deletedCount }

    /// Bytes held by vectors, links, ids and bookkeeping (excluding the id dictionary's overhead).
    public var byteCount: Int {
        graph.vectors.byteCount + graph.links0.byteCount + graph.upper.reduce(0) { $0 + $1.count * 4 }
            + graph.nodeCount * (8 + 1 + 1) + graph.squaredNorms.count * 4
    }

    public func contains(_ id: VectorID) -> Bool { graph.nodeOf[id] != nil }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&graph) { graph = graph.copy() }
    }

    public mutating func add(id: VectorID, vector: [Float]) throws {
        try add(ids: [id], vectors: vector)
    }

    public mutating func add(ids newIDs: [VectorID], vectors: [Float]) throws {
        let graph = self.graph
        try VectorValidation.checkNewIDs(newIDs) { graph.nodeOf[$0] != nil }
        try vectors.withUnsafeBufferPointer {
            try VectorValidation.checkRows($0, rows: newIDs.count, dimension: dimension, metric: metric, what: "add: vector")
        }
        guard !newIDs.isEmpty else { return }
        makeUnique()
        let g = self.graph
        g.vectors.reserve(g.nodeCount + newIDs.count)
        g.links0.reserve(g.nodeCount + newIDs.count)
        vectors.withUnsafeBufferPointer { src in
            for (i, id) in newIDs.enumerated() {
                let node = g.appendNode(id: id, vector: src.baseAddress! + i * dimension)
                g.link(node, efConstruction: efConstruction)
            }
        }
    }

    public mutating func remove(id: VectorID) throws {
        guard let node = graph.nodeOf[id] else {
            throw HiveError(.notFound, "remove: id \(id) is not in the index")
        }
        makeUnique()
        graph.nodeOf[id] = nil
        graph.deleted[Int(node)] = true
        graph.deletedCount += 1
        if Double(graph.deletedCount) > autoRepairFraction * Double(graph.nodeCount) {
            repair()
        }
    }

    /// Reconnects the graph around tombstoned nodes and drops them (see ``HNSWIndex``).
    public mutating func repair() {
        guard graph.deletedCount > 0 else { return }
        graph = graph.repaired(efConstruction: efConstruction)
    }

    public func search(_ query: [Float], k: Int, filter: VectorFilter?) throws -> [SearchHit] {
        try search(query, k: k, ef: efSearch, filter: filter)
    }

    /// Search with an explicit beam width (for recall/speed sweeps).
    public func search(_ query: [Float], k: Int, ef: Int, filter: VectorFilter? = nil) throws -> [SearchHit] {
        try VectorValidation.checkK(k)
        guard ef >= 1 else { throw HiveError(.invalidInput, "ef must be positive, got \(ef)") }
        let prepared = try PreparedQueries(query, dimension: dimension, stride: graph.stride, metric: metric, what: "search: query")
        guard prepared.count == 1 else {
            throw HiveError(.dimensionMismatch, "search: query has \(query.count) components, index has \(dimension)")
        }
        return search(prepared, row: 0, k: min(k, count), ef: ef, filter: filter)
    }

    public func search(batch queries: [Float], k: Int, filter: VectorFilter?) throws -> [[SearchHit]] {
        try VectorValidation.checkK(k)
        let prepared = try PreparedQueries(queries, dimension: dimension, stride: graph.stride, metric: metric, what: "search: query")
        return (0..<prepared.count).map { search(prepared, row: $0, k: min(k, count), ef: efSearch, filter: filter) }
    }

    func search(_ prepared: PreparedQueries, row: Int, k: Int, ef: Int, filter: VectorFilter?) -> [SearchHit] {
        guard k > 0 else { return [] }
        let g = graph
        let q = prepared.rows.row(row)
        let qNorm = prepared.squaredNorms[row]
        func hits(_ found: [(key: Float, node: UInt32)]) -> [SearchHit] {
            found.map { SearchHit(id: g.ids[Int($0.node)], score: metric == .l2 ? max(0, qNorm - $0.key) : $0.key) }
        }
        guard let filter else { return hits(g.search(q, k: k, ef: ef, accept: g.liveAccept)) }
        let selectivity = estimateSelectivity(filter)
        if selectivity >= exactSearchSelectivity {
            let deleted = g.deleted, ids = g.ids
            let widened = Int(min(Double(count), (Double(max(ef, k)) / max(selectivity, 0.01)).rounded(.up)))
            let found = g.search(q, k: k, ef: max(ef, widened), accept: { !deleted[Int($0)] && filter.includes(ids[Int($0)]) })
            if found.count >= k { return hits(found) }
        }
        return hits(exactScan(q, k: k, filter: filter))
    }

    /// Share of live vectors the filter allows: exact for an id set, sampled for a predicate.
    func estimateSelectivity(_ filter: VectorFilter) -> Double {
        let live = count
        guard live > 0 else { return 0 }
        if let allowed = filter.allowedCount { return Double(allowed) / Double(live) }
        let g = graph
        let samples = min(256, g.nodeCount)
        var tried = 0, passed = 0
        let step = max(1, g.nodeCount / samples)
        var node = 0
        while node < g.nodeCount, tried < samples {
            if !g.deleted[node] {
                tried += 1
                if filter.includes(g.ids[node]) { passed += 1 }
            }
            node += step
        }
        return tried == 0 ? 0 : Double(passed) / Double(tried)
    }

    /// Exact top-k over the live nodes the filter allows.
    func exactScan(_ q: UnsafePointer<Float>, k: Int, filter: VectorFilter) -> [(key: Float, node: UInt32)] {
        let g = graph
        var heap = TopK(k: k)
        if let allowed = filter.allowed {
            for id in allowed {
                guard let node = g.nodeOf[id] else { continue }
                heap.push(g.key(q, node), id)
            }
        } else {
            for node in 0..<g.nodeCount where !g.deleted[node] && filter.includes(g.ids[node]) {
                let key = g.key(q, UInt32(node))
                if heap.admits(key, g.ids[node]) { heap.push(key, g.ids[node]) }
            }
        }
        return heap.sorted().compactMap { entry in g.nodeOf[entry.id].map { (key: entry.key, node: $0) } }
    }
}
