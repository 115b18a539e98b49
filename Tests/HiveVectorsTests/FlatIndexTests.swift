import Foundation
import HiveCore
import Testing
@testable import HiveVectors

@Suite("FlatIndex")
struct FlatIndexTests {
    static func build(n: Int, d: Int, metric: DistanceMetric, seed: UInt64) throws -> (FlatIndex, [(VectorID, [Float])]) {
        var rng = TestRandom(seed: seed)
        var index = try FlatIndex(dimension: d, metric: metric)
        var rows: [(VectorID, [Float])] = []
        for i in 0..<n {
            let id = VectorID(i * 7 + 3)
            let v = rng.vector(d)
            rows.append((id, v))
        }
        try index.add(ids: rows.map(\.0), rows: rows.map(\.1))
        return (index, rows)
    }

    @Test("exact search equals the naive reference for every metric and odd dimensions", arguments: DistanceMetric.allCases)
    func matchesReference(metric: DistanceMetric) throws {
        // d = 1 under cosine makes every score ±1 (all ties), which a Double reference cannot order.
        for d in (metric == .cosine ? [2, 7, 16, 33, 384] : [1, 7, 16, 33, 384]) {
            let (index, rows) = try Self.build(n: 301, d: d, metric: metric, seed: UInt64(d))
            var rng = TestRandom(seed: 99)
            for _ in 0..<5 {
                let q = rng.vector(d)
                let k = 10
                let got = try index.search(q, k: k).map(\.id)
                #expect(got == referenceSearch(q, in: rows, k: k, metric: metric), "d=\(d) metric=\(metric)")
            }
        }
    }

    @Test("batch search equals single searches, including partial blocks and two threads")
    func batchMatchesSingle() throws {
        for metric in DistanceMetric.allCases {
            let (index, _) = try Self.build(n: 517, d: 40, metric: metric, seed: 5)
            var rng = TestRandom(seed: 6)
            let queries = (0..<70).map { _ in rng.vector(40) }
            let batch = try index.search(batch: queries.flatMap { $0 }, k: 7, filter: nil, threads: 2)
            #expect(batch.count == 70)
            for (i, q) in queries.enumerated() {
                let single = try index.search(q, k: 7)
                #expect(batch[i].map(\.id) == single.map(\.id))
                for (a, b) in zip(batch[i], single) { #expect(abs(a.score - b.score) < 1e-4) }
            }
        }
    }

    @Test("ties are broken by smaller id, and scores are reported per metric")
    func tiesAndScores() throws {
        var index = try FlatIndex(dimension: 3, metric: .l2)
        try index.add(id: 50, vector: [1, 0, 0])
        try index.add(id: 10, vector: [1, 0, 0])
        try index.add(id: 30, vector: [0, 2, 0])
        let hits = try index.search([1, 0, 0], k: 3)
        #expect(hits.map(\.id) == [10, 50, 30])
        #expect(hits[0].score == 0)
        #expect(abs(hits[2].score - 5) < 1e-5)
        var cosine = try FlatIndex(dimension: 2, metric: .cosine)
        try cosine.add(id: 1, vector: [3, 4])
        let c = try cosine.search([6, 8], k: 1)
        #expect(abs(c[0].score - 1) < 1e-6)
    }

    @Test("filters: predicate and explicit id set, selective and broad")
    func filters() throws {
        let (index, rows) = try Self.build(n: 400, d: 24, metric: .dot, seed: 11)
        var rng = TestRandom(seed: 12)
        let q = rng.vector(24)
        let even = try index.search(q, k: 10, filter: .predicate { $0 % 2 == 0 })
        #expect(even.map(\.id) == referenceSearch(q, in: rows, k: 10, metric: .dot) { $0 % 2 == 0 })
        let few: Set<VectorID> = [3, 10, 17, 24 * 7 + 3]
        let sparse = try index.search(q, k: 10, filter: .ids(few))
        #expect(sparse.map(\.id) == referenceSearch(q, in: rows, k: 10, metric: .dot) { few.contains($0) })
        #expect(sparse.count == 4)
        let none = try index.search(q, k: 5, filter: .predicate { _ in false })
        #expect(none.isEmpty)
    }

    @Test("delete then search; re-adding a removed id works; k larger than count")
    func deleteThenSearch() throws {
        var (index, rows) = try Self.build(n: 120, d: 16, metric: .cosine, seed: 21)
        var rng = TestRandom(seed: 22)
        let q = rng.vector(16)
        let first = try index.search(q, k: 5).map(\.id)
        for id in first.prefix(3) { try index.remove(id: id) }
        rows.removeAll { first.prefix(3).contains($0.0) }
        #expect(index.count == 117)
        #expect(try index.search(q, k: 5).map(\.id) == referenceSearch(q, in: rows, k: 5, metric: .cosine))
        for id in first.prefix(3) { #expect(!index.contains(id)) }
        try index.add(id: first[0], vector: q)
        #expect(try index.search(q, k: 1).map(\.id) == [first[0]])
        #expect(try index.search(q, k: 1_000_000).count == 118)
    }

    @Test("copies are snapshots: mutating one leaves the other unchanged")
    func snapshots() throws {
        var (index, _) = try Self.build(n: 50, d: 8, metric: .dot, seed: 31)
        let snapshot = index
        try index.remove(id: 3)
        try index.add(id: 999, vector: [Float](repeating: 1, count: 8))
        #expect(snapshot.count == 50 && snapshot.contains(3) && !snapshot.contains(999))
        #expect(index.count == 50 && !index.contains(3) && index.contains(999))
    }

    @Test("bad input gets a specific error and leaves the index unchanged")
    func badInput() throws {
        var (index, _) = try Self.build(n: 20, d: 4, metric: .cosine, seed: 41)
        let before = index.ids
        func expectCode(_ code: HiveError.Code, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("expected \(code)")
            } catch let error as HiveError {
                #expect(error.code == code, "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        expectCode(.dimensionMismatch) { try index.add(id: 1000, vector: [1, 2, 3]) }
        expectCode(.invalidInput) { try index.add(id: 1000, vector: [1, .nan, 0, 0]) }
        expectCode(.invalidInput) { try index.add(id: 1000, vector: [1, .infinity, 0, 0]) }
        expectCode(.invalidInput) { try index.add(id: 1000, vector: [0, 0, 0, 0]) }
        expectCode(.duplicate) { try index.add(id: 3, vector: [1, 0, 0, 0]) }
        expectCode(.duplicate) { try index.add(ids: [2000, 2000], vectors: [1, 0, 0, 0, 0, 1, 0, 0]) }
        // A batch with one bad row adds nothing.
        expectCode(.invalidInput) { try index.add(ids: [2000, 2001], vectors: [1, 0, 0, 0, .nan, 1, 0, 0]) }
        expectCode(.notFound) { try index.remove(id: 123_456) }
        expectCode(.invalidInput) { _ = try index.search([1, 0, 0, 0], k: 0) }
        expectCode(.invalidInput) { _ = try index.search([1, 0, 0, 0], k: -3) }
        expectCode(.dimensionMismatch) { _ = try index.search([1, 0, 0], k: 1) }
        expectCode(.invalidInput) { _ = try index.search([0, 0, 0, 0], k: 1) }
        expectCode(.invalidInput) { _ = try index.search([.nan, 0, 0, 0], k: 1) }
        expectCode(.dimensionMismatch) { _ = try index.search(batch: [1, 0, 0, 0, 1], k: 1, filter: nil) }
        expectCode(.invalidInput) { _ = try FlatIndex(dimension: 0) }
        expectCode(.invalidInput) { _ = try FlatIndex(dimension: 1 << 20) }
        #expect(index.ids == before)
        #expect(index.count == 20)
    }

    @Test("persistence round trip for every metric, checksum reported and verified")
    func persistence() throws {
        for metric in DistanceMetric.allCases {
            let (index, _) = try Self.build(n: 333, d: 20, metric: metric, seed: 51)
            let path = temporaryPath("flat")
            defer { unlink(path) }
            let checksum = try index.save(to: path)
            #expect(FlatIndex.storedChecksum(at: path) == checksum)
            let loaded = try FlatIndex(contentsOf: path, expectedChecksum: checksum)
            #expect(loaded.count == index.count && loaded.metric == metric && loaded.dimension == 20)
            var rng = TestRandom(seed: 52)
            for _ in 0..<5 {
                let q = rng.vector(20)
                #expect(try loaded.search(q, k: 10) == index.search(q, k: 10))
            }
            #expect(try loaded.save(to: path) == checksum)
            var mutable = loaded
            try mutable.remove(id: 3)
            try mutable.add(id: 3, vector: rng.vector(20))
            #expect(mutable.contains(3))
        }
    }

    @Test("truncated, corrupted, foreign and mismatched files are rejected as malformed")
    func badFiles() throws {
        let (index, _) = try Self.build(n: 64, d: 16, metric: .dot, seed: 61)
        let path = temporaryPath("flat-bad")
        defer { unlink(path) }
        let checksum = try index.save(to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        func expectMalformed(_ bytes: Data, expected: UInt64? = nil, _ note: String) {
            try? bytes.write(to: URL(fileURLWithPath: path))
            do {
                _ = try FlatIndex(contentsOf: path, expectedChecksum: expected)
                Issue.record("\(note): loaded")
            } catch let error as HiveError {
                #expect(error.code == .malformed, "\(note): \(error)")
            } catch { Issue.record("\(note): \(error)") }
        }
        expectMalformed(good.prefix(good.count - 100), "truncated payload")
        expectMalformed(good.prefix(30), "truncated header")
        expectMalformed(Data(), "empty")
        var flipped = good
        flipped[good.count / 2] ^= 0x40
        expectMalformed(flipped, "bit flip in vectors")
        var headerFlip = good
        headerFlip[24] ^= 1
        expectMalformed(headerFlip, "bit flip in count")
        expectMalformed(Data("hello, this is not an index at all; just some text padding it out to size.".utf8), "foreign")
        expectMalformed(good, expected: checksum ^ 1, "unexpected checksum")
        var padded = good
        padded.append(contentsOf: [0, 0, 0])
        expectMalformed(padded, "trailing bytes")
        // A file of another index kind.
        var q = try QuantizedFlatIndex(dimension: 16, metric: .dot)
        try q.add(id: 1, vector: [Float](repeating: 0.5, count: 16))
        try q.save(to: path)
        expectMalformed(try Data(contentsOf: URL(fileURLWithPath: path)), "other kind")
        #expect(throws: HiveError.self) { _ = try FlatIndex(contentsOf: "/nonexistent/dir/x.idx") }
    }
}
