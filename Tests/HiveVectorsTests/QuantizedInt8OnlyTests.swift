import Foundation
import HiveCore
import Testing
@testable import HiveVectors

/// ``QuantizedFlatIndex`` with `rescoring: .none`: no f32 rows, scores from the codes.
@Suite("QuantizedFlatIndex int8-only")
struct QuantizedInt8OnlyTests {
    /// The stored vectors as the index holds them: `code × scale`.
    static func dequantised(_ index: QuantizedFlatIndex) -> [(VectorID, [Float])] {
        index.exact.storage.ids.enumerated().map { slot, id in
            let row = index.codes.rows.row(slot)
            return (id, (0..<index.dimension).map { Float(row[$0]) * index.codes.scales[slot] })
        }
    }

    static func filled(_ metric: DistanceMetric, n: Int, d: Int, seed: UInt64) throws -> QuantizedFlatIndex {
        var rng = TestRandom(seed: seed)
        var index = try QuantizedFlatIndex(dimension: d, metric: metric, rescoring: .none)
        try index.add(ids: (0..<n).map(VectorID.init), vectors: (0..<n).flatMap { _ in rng.vector(d) })
        return index
    }

    @Test("search equals a naive scan of the dequantised vectors (ids and order), after removals too", arguments: DistanceMetric.allCases)
    func equalsReference(metric: DistanceMetric) throws {
        let d = 48
        var index = try Self.filled(metric, n: 500, d: d, seed: 7)
        for id in stride(from: 0, to: 500, by: 7) { try index.remove(id: VectorID(id)) }
        #expect(index.exact.storage.vectors.byteCount == 0 && index.rescoring == .none)
        var everything = index
        everything.rescoreFactor = .max  // every vector a candidate: the scan order cannot hide anything
        let rows = Self.dequantised(index)
        var rng = TestRandom(seed: 8)
        var queries: [Float] = []
        for _ in 0..<25 {
            let q = rng.vector(d)
            queries += q
            let expected = referenceSearch(q, in: rows, k: 10, metric: metric)
            #expect(try everything.search(q, k: 10).map(\.id) == expected)
            let filtered = referenceSearch(q, in: rows, k: 5, metric: metric) { $0 % 3 == 0 }
            #expect(try everything.search(q, k: 5, filter: .predicate { $0 % 3 == 0 }).map(\.id) == filtered)
            // Default candidate count: same ranking almost always; every score is the exact one.
            let hits = try index.search(q, k: 10)
            let scores = hits.map(\.score)
            #expect(scores == (metric == .l2 ? scores.sorted() : scores.sorted(by: >)))
            #expect(recall(hits.map(\.id), expected) >= 0.8)
        }
        #expect(try index.recall(queries: queries, k: 10) >= 0.95)
    }

    @Test("a fresh index and one built from its own dequantised vectors give identical results")
    func requantisationIsStable() throws {
        let index = try Self.filled(.cosine, n: 300, d: 40, seed: 11)
        var rebuilt = try QuantizedFlatIndex(dimension: 40, metric: .cosine, rescoring: .none)
        let rows = Self.dequantised(index)
        try rebuilt.add(ids: rows.map(\.0), vectors: rows.flatMap(\.1))
        var rng = TestRandom(seed: 12)
        for _ in 0..<20 {
            let q = rng.vector(40)
            #expect(try rebuilt.search(q, k: 10).map(\.id) == index.search(q, k: 10).map(\.id))
        }
    }

    @Test("persistence round trip in both modes; the file carries the mode; int8-only files hold no f32 rows", arguments: DistanceMetric.allCases)
    func roundTrip(metric: DistanceMetric) throws {
        let n = 400
        let d = 64
        var rng = TestRandom(seed: 21)
        let vectors = (0..<n).flatMap { _ in rng.vector(d) }
        for mode in [QuantizedFlatIndex.Rescoring.none, .f32] {
            var index = try QuantizedFlatIndex(dimension: d, metric: metric, rescoring: mode)
            try index.add(ids: (0..<n).map(VectorID.init), vectors: vectors)
            try index.remove(id: 5)
            let path = temporaryPath("q8mode")
            defer { unlink(path) }
            let checksum = try index.save(to: path)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            let perVector = Double(size) / Double(n - 1)
            if mode == .none {
                // codes (d) + scale (4) + id (8) [+ norm (4)], plus header and section padding
                #expect(perVector < Double(d + 20) + 2, "\(perVector) bytes per vector")
            } else {
                #expect(perVector > Double(4 * d))
            }
            var loaded = try QuantizedFlatIndex(contentsOf: path, expectedChecksum: checksum)
            #expect(loaded.rescoring == mode && loaded.count == n - 1 && !loaded.contains(5))
            for _ in 0..<10 {
                let q = rng.vector(d)
                #expect(try loaded.search(q, k: 10) == index.search(q, k: 10))
            }
            // A loaded (mapped) index stays writable, in the same mode.
            try loaded.add(id: 5, vector: Array(vectors[(5 * d)..<(6 * d)]))
            try loaded.remove(id: 7)
            #expect(loaded.contains(5) && !loaded.contains(7) && loaded.count == n - 1)
            #expect(try loaded.search(Array(vectors[(5 * d)..<(6 * d)]), k: 1).first?.id == 5)
        }
    }

    @Test("f32-mode files keep the layout written before the mode existed (parameter = f32 stride, no flag)")
    func f32LayoutUnchanged() throws {
        var index = try QuantizedFlatIndex(dimension: 10, metric: .cosine)
        try index.add(id: 1, vector: (0..<10).map(Float.init))
        let path = temporaryPath("q8old")
        defer { unlink(path) }
        try index.save(to: path)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let parameter = bytes[48..<56].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(parameter == UInt64(Kernels.paddedStride(10)))
        #expect(try QuantizedFlatIndex(contentsOf: path, expectedChecksum: nil).rescoring == .f32)
    }

    @Test("bad input leaves an int8-only index unchanged; damaged files are rejected")
    func badInput() throws {
        var index = try QuantizedFlatIndex(dimension: 4, metric: .cosine, rescoring: .none)
        try index.add(id: 1, vector: [1, 2, 3, 4])
        let before = try index.search([1, 0, 0, 0], k: 1)
        #expect(throws: HiveError.self) { try index.add(id: 2, vector: [0, 0, 0, 0]) }
        #expect(throws: HiveError.self) { try index.add(id: 1, vector: [1, 0, 0, 0]) }
        #expect(throws: HiveError.self) { try index.add(id: 3, vector: [1, 0, .nan, 0]) }
        #expect(throws: HiveError.self) { try index.add(ids: [4, 5], vectors: [1, 0, 0, 0, 1, 0, .infinity, 0]) }
        #expect(throws: HiveError.self) { try index.add(id: 6, vector: [1, 0, 0]) }
        #expect(throws: HiveError.self) { try index.add(ids: [7, 7], vectors: [1, 0, 0, 0, 0, 1, 0, 0]) }
        #expect(throws: HiveError.self) { try index.remove(id: 9) }
        #expect(throws: HiveError.self) { _ = try index.search([1, 0], k: 1) }
        #expect(throws: HiveError.self) { _ = try index.search([1, 0, 0, 0], k: 0) }
        #expect(throws: HiveError.self) { _ = try QuantizedFlatIndex(dimension: 0, rescoring: .none) }
        #expect(index.count == 1 && index.codes.scales.count == 1 && index.codes.rows.rows == 1)
        #expect(index.exact.storage.vectors.rows == 1)
        #expect(try index.search([1, 0, 0, 0], k: 1) == before)

        let path = temporaryPath("q8bad")
        defer { unlink(path) }
        let checksum = try index.save(to: path)
        let good = try #require(FileManager.default.contents(atPath: path))
        #expect(throws: HiveError.self) { _ = try QuantizedFlatIndex(contentsOf: path, expectedChecksum: checksum &+ 1) }
        try good.prefix(good.count - 1).write(to: URL(fileURLWithPath: path))
        #expect(throws: HiveError.self) { _ = try QuantizedFlatIndex(contentsOf: path, expectedChecksum: nil) }
        var flipped = good
        flipped[IndexFileHeader.size + 2] ^= 0xFF  // inside the ids section
        try flipped.write(to: URL(fileURLWithPath: path))
        #expect(throws: HiveError.self) { _ = try QuantizedFlatIndex(contentsOf: path, expectedChecksum: nil) }
        #expect(throws: HiveError.self) { _ = try FlatIndex(contentsOf: path) }
    }
}
