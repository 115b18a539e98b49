import HiveCore

/// Approximate nearest-neighbour search on a hierarchical navigable small-world graph
/// (Malkov & Yashunin 2018).
///
/// - ``m``: links per node on upper levels (2M on level 0); ``efConstruction``: beam width
///   while inserting; ``efSearch``: beam width while searching (raised to `k` when smaller).
/// - Inserts are incremental. ``remove(id:)`` tombstones the node: it keeps guiding walks but
///   is never returned; once tombstones exceed ``autoRepairFraction`` of the nodes (or on
///   ``repair()``), their neighbours are reconnected around them and they are dropped.
/// - Filtered search walks the graph with the filter applied to results when that is estimated
///   to cost less than scanning the allowed vectors exactly; otherwise (a selective filter, a
///   small index, a walk that overruns the scan's cost or finds fewer than `k`) it scans the
///   allowed vectors exactly, so a selective filter still returns `k` hits and is never much
///   slower than an exact scan.
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
    /// Filters allowing a smaller share of the vectors than this are always answered by an exact
    /// scan (above it, a cost estimate decides; see ``HNSWIndex``).
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
        // Before any local reference to the graph exists (see FlatIndex.add: otherwise every add copies it).
        makeUnique()
        let graph = self.graph
        try VectorValidation.checkNewIDs(newIDs) { graph.nodeOf[$0] != nil }
        try vectors.withUnsafeBufferPointer {
            try VectorValidation.checkRows($0, rows: newIDs.count, dimension: dimension, metric: metric, what: "add: vector")
        }
        guard !newIDs.isEmpty else { return }
        let g = graph
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

    /// Distance computations an unfiltered search for `query` at beam width `ef` performs on the
    /// bottom level: the work unit of the filtered-search cost estimate (for tuning and benchmarks).
    public func walkCost(_ query: [Float], ef: Int) throws -> Int {
        guard ef >= 1 else { throw HiveError(.invalidInput, "ef must be positive, got \(ef)") }
        let prepared = try PreparedQueries(query, dimension: dimension, stride: graph.stride, metric: metric, what: "walkCost: query")
        guard prepared.count == 1 else {
            throw HiveError(.dimensionMismatch, "walkCost: query has \(query.count) components, index has \(dimension)")
        }
        return graph.walkCost(prepared.rows.row(0), ef: ef)
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
        let isL2 = metric == .l2
        func hits(_ found: [(key: Float, node: UInt32)]) -> [SearchHit] {
            found.map { SearchHit(id: g.ids[Int($0.node)], score: isL2 ? max(0, qNorm - $0.key) : $0.key) }
        }
        guard let filter else {
            let found = g.deletedCount == 0
                ? g.search(q, k: k, ef: ef, accept: AcceptAll())
                : g.search(q, k: k, ef: ef, accept: AcceptLive(deleted: g.deleted))
            return hits(found ?? [])
        }
        let selectivity = estimateSelectivity(filter)
        if let plan = filteredWalkPlan(selectivity: selectivity, k: k, ef: ef),
           let found = g.search(q, k: k, ef: plan.ef, accept: AcceptFiltered(graph: g, filter: filter), budget: plan.budget),
           found.count >= k {
            return hits(found)
        }
        return hits(exactScan(q, k: k, filter: filter))
    }

    /// Distance computations of an unfiltered level-0 walk per unit of ef: 9.9 measured on the
    /// clustered benchmark set at 100K (`clustered_100k_hnsw_walk_distances_per_ef`, docs/vectors.md).
    static let walkDistancesPerEf = 10.0
    /// A distance computed on a graph walk (random reads) costs about this many computed by a
    /// sequential scan (streamed rows).
    static let randomReadPenalty = 2.0

    /// Whether a filtered search should walk the graph, and with what beam and work budget.
    ///
    /// The walk keeps only allowed nodes as results but is guided by every node, so it must
    /// reach about `ef / selectivity` nodes; the exact scan computes one distance per allowed
    /// vector. The walk is chosen when its estimate is cheaper, and is abandoned (for the exact
    /// scan) once it has spent what the scan would have, so a filtered search costs at most about
    /// twice the exact scan even when the estimate is wrong.
    func filteredWalkPlan(selectivity: Double, k: Int, ef: Int) -> (ef: Int, budget: Int)? {
        guard selectivity > 0, selectivity >= exactSearchSelectivity else { return nil }
        let allowed = selectivity * Double(count)
        let beam = max(ef, k)
        let walk = Self.randomReadPenalty * Self.walkDistancesPerEf * Double(beam) / selectivity
        guard walk < allowed else { return nil }
        return (beam, Int(allowed / Self.randomReadPenalty))
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
        if let allowed = filter.allowed, allowed.count < g.nodeCount / 4 {
            for id in allowed {
                guard let node = g.nodeOf[id] else { continue }
                heap.push(g.key(q, node), id)
            }
        } else if let mask = filter.mask {
            // One load rejects a node before any vector byte is read.
            let hasDeleted = g.deletedCount > 0
            g.ids.withUnsafeBufferPointer { ids in
                mask.withUnsafeBufferPointer { mask in
                    for node in 0..<g.nodeCount {
                        let id = ids[node]
                        guard id >= 0, id < mask.count, mask[Int(id)], !(hasDeleted && g.deleted[node]) else { continue }
                        let key = g.key(q, UInt32(node))
                        if heap.admits(key, id) { heap.push(key, id) }
                    }
                }
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
