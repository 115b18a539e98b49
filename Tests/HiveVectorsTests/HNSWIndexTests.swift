import Foundation
import HiveCore
import Testing
@testable import HiveVectors

@Suite("HNSWIndex")
struct HNSWIndexTests {
    static let d = 32

    static func clusteredIndex(n: Int, metric: DistanceMetric = .cosine, seed: UInt64 = 1) throws -> (HNSWIndex, FlatIndex, [[Float]]) {
        var rng = TestRandom(seed: seed)
        let data = rng.clustered(n: n + 50, d: d, clusters: 20, intrinsic: 8)
        var hnsw = try HNSWIndex(dimension: d, metric: metric, m: 12, efConstruction: 100, efSearch: 64)
        var flat = try FlatIndex(dimension: d, metric: metric)
        let ids = (0..<n).map { VectorID($0 * 3) }
        try hnsw.add(ids: ids, rows: Array(data.prefix(n)))
        try flat.add(ids: ids, rows: Array(data.prefix(n)))
        return (hnsw, flat, Array(data.suffix(50)))
    }

    static func meanRecall(_ hnsw: HNSWIndex, _ flat: FlatIndex, _ queries: [[Float]], k: Int = 10, filter: VectorFilter? = nil) throws -> Double {
        var total = 0.0
        for q in queries {
            total += recall(try hnsw.search(q, k: k, filter: filter).map(\.id), try flat.search(q, k: k, filter: filter).map(\.id))
        }
        return total / Double(queries.count)
    }

    @Test("recall@10 ≥ 0.9 on a small clustered set, for every metric", arguments: DistanceMetric.allCases)
    func recallClustered(metric: DistanceMetric) throws {
        let (hnsw, flat, queries) = try Self.clusteredIndex(n: 1200, metric: metric)
        #expect(hnsw.count == 1200)
        let r = try Self.meanRecall(hnsw, flat, queries)
        #expect(r >= 0.9, "recall \(r)")
        // Scores are exact for the returned ids and sorted.
        let hits = try hnsw.search(queries[0], k: 10)
        let scores = hits.map(\.score)
        #expect(scores == (metric == .l2 ? scores.sorted() : scores.sorted(by: >)))
    }

    @Test("a larger ef never lowers recall much and reaches near-exact results")
    func efSweep() throws {
        let (hnsw, flat, queries) = try Self.clusteredIndex(n: 1500, seed: 2)
        var exactish = 0.0
        for q in queries {
            exactish += recall(try hnsw.search(q, k: 10, ef: 1500).map(\.id), try flat.search(q, k: 10).map(\.id))
        }
        #expect(exactish / Double(queries.count) >= 0.99)
    }

    @Test("tombstone delete hides ids at once; repair keeps recall and drops the nodes")
    func deleteAndRepair() throws {
        var (hnsw, flat, queries) = try Self.clusteredIndex(n: 1200, seed: 3)
        hnsw.autoRepairFraction = 1  // repair explicitly below
        var removed = Set<VectorID>()
        for i in Swift.stride(from: 0, to: 1200, by: 3) {
            let id = VectorID(i * 3)
            try hnsw.remove(id: id)
            try flat.remove(id: id)
            removed.insert(id)
        }
        #expect(hnsw.tombstoneCount == removed.count && hnsw.count == 1200 - removed.count)
        for q in queries.prefix(10) {
            #expect(try hnsw.search(q, k: 10).allSatisfy { !removed.contains($0.id) })
        }
        let before = try Self.meanRecall(hnsw, flat, queries)
        #expect(before >= 0.85, "with tombstones \(before)")
        hnsw.repair()
        #expect(hnsw.tombstoneCount == 0 && hnsw.count == 1200 - removed.count)
        let after = try Self.meanRecall(hnsw, flat, queries)
        #expect(after >= 0.88, "after repair \(after)")
        // Inserts keep working after repair, including a removed id coming back.
        let back = removed.first!
        try hnsw.add(id: back, vector: queries[0])
        #expect(try hnsw.search(queries[0], k: 1).first?.id == back)
        // Automatic repair triggers when tombstones pass the threshold.
        hnsw.autoRepairFraction = 0.05
        for id in hnsw.graph.ids.prefix(200) where hnsw.contains(id) { try hnsw.remove(id: id) }
        #expect(hnsw.tombstoneCount < 200)
    }

    @Test("selective filters still return k exact results; broad filters use the graph")
    func filtered() throws {
        let (hnsw, flat, queries) = try Self.clusteredIndex(n: 1200, seed: 4)
        let few: Set<VectorID> = Set((0..<30).map { VectorID($0 * 3 * 41) })
        for q in queries.prefix(10) {
            let hits = try hnsw.search(q, k: 10, filter: .ids(few))
            #expect(hits.map(\.id) == (try flat.search(q, k: 10, filter: .ids(few)).map(\.id)))
            let rare = try hnsw.search(q, k: 10, filter: .predicate { $0 % 300 == 0 })
            #expect(rare.count == 10)
            #expect(rare.map(\.id) == (try flat.search(q, k: 10, filter: .predicate { $0 % 300 == 0 }).map(\.id)))
        }
        let broad = try Self.meanRecall(hnsw, flat, queries, filter: .predicate { $0 % 2 == 0 })
        #expect(broad >= 0.85, "broad filter recall \(broad)")
        for q in queries.prefix(5) {
            #expect(try hnsw.search(q, k: 10, filter: .predicate { $0 % 2 == 0 }).allSatisfy { $0.id % 2 == 0 })
        }
    }

    @Test("persistence round trip (with tombstones) gives identical results; corrupt files are rejected")
    func persistence() throws {
        for metric in [DistanceMetric.cosine, .l2] {
            var (hnsw, _, queries) = try Self.clusteredIndex(n: 800, metric: metric, seed: 5)
            hnsw.autoRepairFraction = 1
            try hnsw.remove(id: 30)
            let path = temporaryPath("hnsw")
            defer { unlink(path) }
            let checksum = try hnsw.save(to: path)
            var loaded = try HNSWIndex(contentsOf: path, expectedChecksum: checksum)
            #expect(loaded.count == hnsw.count && loaded.tombstoneCount == 1 && loaded.m == 12)
            for q in queries.prefix(10) { #expect(try loaded.search(q, k: 10) == hnsw.search(q, k: 10)) }
            try loaded.add(id: 99_999, vector: queries[0])
            #expect(try loaded.search(queries[0], k: 1).first?.id == 99_999)
            var repaired = try HNSWIndex(contentsOf: path, expectedChecksum: checksum)
            repaired.repair()
            #expect(repaired.tombstoneCount == 0 && repaired.count == hnsw.count)
            let good = try Data(contentsOf: URL(fileURLWithPath: path))
            try good.prefix(good.count - 64).write(to: URL(fileURLWithPath: path))
            #expect(throws: HiveError.self) { _ = try HNSWIndex(contentsOf: path) }
            var flipped = good
            flipped[good.count - 200] ^= 0x10
            try flipped.write(to: URL(fileURLWithPath: path))
            #expect(throws: HiveError.self) { _ = try HNSWIndex(contentsOf: path) }
        }
    }

    @Test("bad input: wrong dimension, NaN, zero vector, duplicate, unknown id, bad parameters")
    func badInput() throws {
        var (hnsw, _, queries) = try Self.clusteredIndex(n: 100, seed: 6)
        let before = hnsw.count
        #expect(throws: HiveError.self) { try hnsw.add(id: 5000, vector: [1, 2]) }
        #expect(throws: HiveError.self) { try hnsw.add(id: 5000, vector: [Float](repeating: .nan, count: Self.d)) }
        #expect(throws: HiveError.self) { try hnsw.add(id: 5000, vector: [Float](repeating: 0, count: Self.d)) }
        #expect(throws: HiveError.self) { try hnsw.add(id: 3, vector: queries[0]) }
        #expect(throws: HiveError.self) { try hnsw.add(ids: [7000, 7001], rows: [queries[0], [Float](repeating: .infinity, count: Self.d)]) }
        #expect(throws: HiveError.self) { try hnsw.remove(id: 1) }
        #expect(throws: HiveError.self) { _ = try hnsw.search(queries[0], k: 0) }
        #expect(throws: HiveError.self) { _ = try hnsw.search(queries[0], k: 5, ef: 0) }
        #expect(throws: HiveError.self) { _ = try HNSWIndex(dimension: 8, m: 1) }
        #expect(hnsw.count == before && !hnsw.contains(7000) && !hnsw.contains(5000))
        // Oversized k and ef are clamped, not trusted.
        #expect(try hnsw.search(queries[0], k: .max, ef: .max).count == before)
        #expect(try hnsw.search(queries[0], k: 5, ef: .max, filter: .predicate { $0 % 2 == 0 }).count == 5)
        let empty = try HNSWIndex(dimension: 4)
        #expect(try empty.search([1, 0, 0, 0], k: 3).isEmpty)
    }
}

@Suite("SharedVectorIndex")
struct SharedVectorIndexTests {
    @Test("concurrent readers and one writer see consistent results")
    func readersAndWriter() async throws {
        var rng = TestRandom(seed: 9)
        var flat = try FlatIndex(dimension: 16, metric: .dot)
        try flat.add(ids: (0..<500).map(VectorID.init), rows: (0..<500).map { _ in rng.vector(16) })
        let shared = SharedVectorIndex(flat)
        let query = rng.vector(16)
        let expected = try flat.search(query, k: 5).map(\.id)
        let snapshot = shared.snapshot()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<50 {
                        let hits = try shared.search(query, k: 5)
                        #expect(hits.count == 5)
                    }
                }
            }
            group.addTask {
                for i in 0..<50 {
                    try shared.write { try $0.add(id: VectorID(10_000 + i), vector: [Float](repeating: -1, count: 16)) }
                }
            }
            try await group.waitForAll()
        }
        #expect(shared.read { $0.count } == 550)
        #expect(try snapshot.search(query, k: 5).map(\.id) == expected)
        #expect(snapshot.count == 500)
    }
}

@Suite("HNSWIndex filtered search and build scratch")
struct HNSWFilteredTests {
    static func mask(n: Int, share: Int) -> [Bool] {
        (0..<n).map { ((UInt64($0) &* 0x9E37_79B9_7F4A_7C15) >> 40) % UInt64(share) == 0 }
    }

    @Test("selective bitmap filters return k results equal to the exact scan")
    func selectiveMasks() throws {
        let (hnsw, flat, queries) = try HNSWIndexTests.clusteredIndex(n: 1200, seed: 11)
        for share in [6, 30, 200] {
            let filter = VectorFilter.mask(Self.mask(n: 3600, share: share))
            for q in queries.prefix(10) {
                let exact = try flat.search(q, k: 10, filter: filter)
                let got = try hnsw.search(q, k: 10, filter: filter)
                #expect(got.count == min(10, exact.count))
                #expect(got.map(\.id) == exact.map(\.id), "1 in \(share)")
            }
        }
    }

    @Test("the filtered graph walk returns k allowed nodes with good recall")
    func filteredWalk() throws {
        let (hnsw, flat, queries) = try HNSWIndexTests.clusteredIndex(n: 1200, seed: 12)
        let mask = Self.mask(n: 3600, share: 2)
        let filter = VectorFilter.mask(mask)
        let g = hnsw.graph
        var total = 0.0
        for q in queries.prefix(20) {
            let prepared = try PreparedQueries(q, dimension: g.dimension, stride: g.stride, metric: g.metric, what: "q")
            let found = try #require(g.search(prepared.rows.row(0), k: 10, ef: 64, accept: AcceptFiltered(graph: g, filter: filter)))
            #expect(found.count == 10)
            let ids = found.map { g.ids[Int($0.node)] }
            #expect(ids.allSatisfy { mask[Int($0)] })
            total += recall(ids, try flat.search(q, k: 10, filter: filter).map(\.id))
        }
        #expect(total / 20 >= 0.9, "walk recall \(total / 20)")
    }

    @Test("the cost estimate picks the walk only when it beats the scan; an overrun walk gives up")
    func costModel() throws {
        let (hnsw, flat, queries) = try HNSWIndexTests.clusteredIndex(n: 1200, seed: 13)
        // 600 allowed: a beam of 10 at selectivity 0.5 is estimated below that, a beam of 200 is not.
        #expect(hnsw.filteredWalkPlan(selectivity: 0.5, k: 10, ef: 10) != nil)
        #expect(hnsw.filteredWalkPlan(selectivity: 0.5, k: 10, ef: 200) == nil)
        #expect(hnsw.filteredWalkPlan(selectivity: 0.05, k: 10, ef: 10) == nil)
        #expect(hnsw.filteredWalkPlan(selectivity: 0, k: 10, ef: 10) == nil)
        let plan = try #require(hnsw.filteredWalkPlan(selectivity: 0.5, k: 10, ef: 10))
        #expect(plan.budget == 300)
        // A walk over budget returns nil; the index then answers exactly.
        let g = hnsw.graph
        let filter = VectorFilter.predicate { $0 % 2 == 0 }
        let prepared = try PreparedQueries(queries[0], dimension: g.dimension, stride: g.stride, metric: g.metric, what: "q")
        #expect(g.search(prepared.rows.row(0), k: 10, ef: 10, accept: AcceptFiltered(graph: g, filter: filter), budget: 1) == nil)
        for q in queries.prefix(5) {
            let got = try hnsw.search(q, k: 10, ef: 10, filter: filter)
            #expect(got.count == 10 && got.allSatisfy { $0.id % 2 == 0 })
            #expect(recall(got.map(\.id), try flat.search(q, k: 10, filter: filter).map(\.id)) >= 0.7)
        }
        // Work grows with the beam.
        let small = try hnsw.walkCost(queries[0], ef: 10), large = try hnsw.walkCost(queries[0], ef: 200)
        #expect(small > 0 && large > small)
        #expect(throws: HiveError.self) { _ = try hnsw.walkCost(queries[0], ef: 0) }
        #expect(throws: HiveError.self) { _ = try hnsw.walkCost([1, 2], ef: 10) }
    }

    @Test("builds are reproducible and searches stay deterministic while scratch is reused")
    func reproducibleBuild() throws {
        let (a, _, queries) = try HNSWIndexTests.clusteredIndex(n: 900, seed: 14)
        let (b, _, _) = try HNSWIndexTests.clusteredIndex(n: 900, seed: 14)
        #expect(a.graph.links0.byteCount == b.graph.links0.byteCount)
        for node in 0..<a.graph.nodeCount {
            #expect(Array(a.graph.neighbours0(UInt32(node))) == Array(b.graph.neighbours0(UInt32(node))))
        }
        for q in queries.prefix(10) {
            let first = try a.search(q, k: 10)
            #expect(try a.search(q, k: 10) == first)
            #expect(try b.search(q, k: 10) == first)
            // Every level-0 list respects the 2M bound and holds no self link or duplicate.
        }
        for node in 0..<a.graph.nodeCount {
            let list = Array(a.graph.neighbours0(UInt32(node)))
            #expect(list.count <= 2 * a.m && !list.contains(UInt32(node)) && Set(list).count == list.count)
        }
    }
}
