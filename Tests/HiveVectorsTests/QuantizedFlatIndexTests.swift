import Foundation
import HiveCore
import Testing
@testable import HiveVectors

@Suite("QuantizedFlatIndex")
struct QuantizedFlatIndexTests {
    @Test("rescored results are in exact order with exact scores, and recall is high", arguments: DistanceMetric.allCases)
    func rescoredOrder(metric: DistanceMetric) throws {
        var rng = TestRandom(seed: 71)
        let d = 48
        var index = try QuantizedFlatIndex(dimension: d, metric: metric)
        var exact = try FlatIndex(dimension: d, metric: metric)
        for i in 0..<600 {
            let v = rng.vector(d)
            try index.add(id: VectorID(i), vector: v)
            try exact.add(id: VectorID(i), vector: v)
        }
        var queries: [Float] = []
        for _ in 0..<20 {
            let q = rng.vector(d)
            queries += q
            let hits = try index.search(q, k: 10)
            #expect(hits.count == 10)
            // Each returned score is the exact f32 score, and the list is sorted by it.
            for hit in hits {
                let exactScore = try exact.search(q, k: 600, filter: .ids([hit.id]))[0].score
                #expect(abs(hit.score - exactScore) < 1e-4)
            }
            let scores = hits.map(\.score)
            #expect(scores == (metric == .l2 ? scores.sorted() : scores.sorted(by: >)))
        }
        let r = try index.recall(queries: queries, k: 10)
        #expect(r >= 0.95, "recall \(r)")
    }

    @Test("remove keeps codes aligned with rows; filter; persistence round trip")
    func removeFilterPersist() throws {
        var rng = TestRandom(seed: 81)
        var index = try QuantizedFlatIndex(dimension: 32, metric: .cosine)
        try index.add(ids: (0..<200).map(VectorID.init), rows: (0..<200).map { _ in rng.vector(32) })
        for id in stride(from: 0, to: 200, by: 3) { try index.remove(id: VectorID(id)) }
        let q = rng.vector(32)
        let exact = try index.exact.search(q, k: 10)
        #expect(try index.search(q, k: 10).map(\.id) == exact.map(\.id))
        let filtered = try index.search(q, k: 5, filter: .predicate { $0 % 2 == 1 })
        #expect(filtered.allSatisfy { $0.id % 2 == 1 } && filtered.count == 5)
        let path = temporaryPath("q8")
        defer { unlink(path) }
        let checksum = try index.save(to: path)
        var loaded = try QuantizedFlatIndex(contentsOf: path, expectedChecksum: checksum)
        #expect(try loaded.search(q, k: 10) == index.search(q, k: 10))
        // Mutating a loaded (memory-mapped) index copies its rows out first.
        let first = try loaded.search(q, k: 1)[0].id
        try loaded.remove(id: first)
        #expect(try loaded.search(q, k: 1)[0].id != first)
        #expect(try index.search(q, k: 1)[0].id == first)
        #expect(throws: HiveError.self) { _ = try FlatIndex(contentsOf: path) }
    }

    @Test("bad input leaves the index unchanged")
    func badInput() throws {
        var index = try QuantizedFlatIndex(dimension: 4, metric: .cosine)
        try index.add(id: 1, vector: [1, 2, 3, 4])
        #expect(throws: HiveError.self) { try index.add(id: 2, vector: [0, 0, 0, 0]) }
        #expect(throws: HiveError.self) { try index.add(id: 1, vector: [1, 0, 0, 0]) }
        #expect(throws: HiveError.self) { try index.add(id: 3, vector: [1, 0, .nan, 0]) }
        #expect(throws: HiveError.self) { try index.remove(id: 9) }
        #expect(throws: HiveError.self) { _ = try index.search([1, 0], k: 1) }
        #expect(throws: HiveError.self) { _ = try index.search([1, 0, 0, 0, 1, 0, 0, 0], k: 1) }
        #expect(try index.search([1, 0, 0, 0], k: .max).count == 1)
        #expect(throws: HiveError.self) { _ = try index.search([1, 0, 0, 0], k: 0) }
        #expect(index.count == 1 && index.codes.scales.count == 1 && index.codes.rows.rows == 1)
    }
}

@Suite("QuantizedFlatIndex mask filter")
struct QuantizedMaskFilterTests {
    @Test("a mask filter returns exactly what the same predicate returns, after removals too", arguments: DistanceMetric.allCases)
    func maskEqualsPredicate(metric: DistanceMetric) throws {
        var rng = TestRandom(seed: 91)
        let d = 40
        var index = try QuantizedFlatIndex(dimension: d, metric: metric)
        for i in 0..<500 { try index.add(id: VectorID(i), vector: rng.vector(d)) }
        for id in stride(from: 3, to: 500, by: 7) { try index.remove(id: VectorID(id)) }  // slots no longer equal ids
        // Every third id, plus ids the index does not hold and one beyond the mask's end.
        var mask = [Bool](repeating: false, count: 480)
        for i in stride(from: 0, to: 480, by: 3) { mask[i] = true }
        let byMask = VectorFilter.mask(mask)
        #expect(byMask.allowedCount == 160)
        let byPredicate = VectorFilter.predicate { id in id >= 0 && id < 480 && id % 3 == 0 }
        for _ in 0..<15 {
            let q = rng.vector(d)
            for k in [1, 7, 30] {
                let a = try index.search(q, k: k, filter: byMask)
                let b = try index.search(q, k: k, filter: byPredicate)
                #expect(a.map(\.id) == b.map(\.id))
                #expect(a.count == k)
                #expect(a.allSatisfy { $0.id % 3 == 0 && $0.id < 480 && $0.id % 7 != 3 })
            }
        }
        // An all-false mask finds nothing; out-of-range ids are rejected, not trapped on.
        #expect(try index.search(rng.vector(d), k: 5, filter: .mask([Bool](repeating: false, count: 10))).isEmpty)
        #expect(!VectorFilter.mask([true]).includes(-1) && !VectorFilter.mask([true]).includes(1))
    }
}
