import HiveCore
import Testing

@testable import HiveLearning

@Suite("Robust aggregation")
struct RobustAggregationTests {
    @Test("5 of 15 sign-flip ×100: median, trimmed mean and Krum stay within 0.1 of the honest mean; the mean does not")
    func signFlipRobustness() throws {
        let (m, honestMean, attackers) = try TestData.signFlipped(honest: 10, attackers: 5, d: 50)
        let ones = [Double](repeating: 1, count: m.rows)
        let mean = try RobustAggregation.weightedMean(m, weights: ones)
        #expect(TestData.maxAbsDifference(mean.vector, honestMean) > 10)
        let median = RobustAggregation.median(m)
        #expect(TestData.maxAbsDifference(median.vector, honestMean) < 0.1)
        let trimmed = try RobustAggregation.trimmedMean(m, beta: 0.34)
        #expect(TestData.maxAbsDifference(trimmed.vector, honestMean) < 0.1)
        let krum = try RobustAggregation.krum(m, byzantine: 5)
        #expect(TestData.maxAbsDifference(krum.vector, honestMean) < 0.1)
        #expect(Set(krum.selected ?? []).isDisjoint(with: attackers))
        let multi = try RobustAggregation.krum(m, byzantine: 5, keep: 10)
        #expect(TestData.maxAbsDifference(multi.vector, honestMean) < 0.1)
        #expect(Set(multi.selected ?? []) == Set(0..<10))
        // Diagnostics single the attackers out.
        for i in attackers {
            #expect(multi.clients[i].excluded)
            #expect(trimmed.clients[i].excluded)
            #expect(median.clients[i].distance > 10 * median.clients[0].distance)
        }
        for i in 0..<10 {
            #expect(!multi.clients[i].excluded)
            #expect(!trimmed.clients[i].excluded)
        }
    }

    @Test("centred clipping and norm bounding limit a boosted attacker's pull")
    func clippingRules() throws {
        let (m, honestMean, attackers) = try TestData.signFlipped(honest: 12, attackers: 3, d: 30)
        let mean = try RobustAggregation.weightedMean(m, weights: [Double](repeating: 1, count: m.rows))
        let cc = try RobustAggregation.centeredClipping(m, iterations: 10)
        let meanError = TestData.maxAbsDifference(mean.vector, honestMean)
        #expect(TestData.maxAbsDifference(cc.vector, honestMean) < meanError / 5)
        for i in attackers { #expect(cc.clients[i].retained < 0.1) }
        let honestNorm = (honestMean.reduce(0) { $0 + Double($1 * $1) }).squareRoot()
        let nb = try RobustAggregation.normBounded(m, maxNorm: honestNorm * 1.2)
        #expect(TestData.maxAbsDifference(nb.vector, honestMean) < meanError / 5)
        for i in attackers { #expect(nb.clients[i].retained < 0.05 && nb.clients[i].excluded) }
    }

    @Test("median and trimmed mean agree with a full sort on odd and even counts")
    func selectionMatchesSort() throws {
        var rng = SeededGenerator(seed: 3)
        for n in [1, 2, 3, 4, 7, 16, 17, 40] {
            // Many ties: values from a small set.
            let rows = (0..<n).map { _ in (0..<37).map { _ in Float(Int.random(in: -3...3, using: &rng)) * 0.5 } }
            let m = try UpdateMatrix(rows)
            let median = RobustAggregation.median(m)
            let trimmed = try RobustAggregation.trimmedMean(m, beta: 0.25)
            let cut = Int(0.25 * Double(n))
            for c in 0..<37 {
                let column = rows.map { $0[c] }.sorted()
                let expected = n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2
                #expect(median.vector[c] == expected)
                let kept = column[cut..<(n - cut)]
                let t = kept.reduce(0, +) / Float(kept.count)
                #expect(abs(trimmed.vector[c] - t) < 1e-5)
            }
        }
    }

    @Test("Gram-matrix Krum matches brute-force distances, including odd sizes and ragged slabs")
    func gramMatchesBruteForce() throws {
        var rng = SeededGenerator(seed: 11)
        for (n, d) in [(1, 5), (2, 3), (5, 1030), (9, 513), (13, 2049)] {
            let rows = (0..<n).map { _ in (0..<d).map { _ in Float(rng.nextGaussian()) } }
            let gram = GramMatrix(try UpdateMatrix(rows))
            for i in 0..<n {
                for j in 0..<n {
                    let brute = zip(rows[i], rows[j]).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
                    #expect(abs(gram.squaredDistance(i, j) - brute) <= 1e-3 * max(1, brute))
                }
            }
        }
    }

    @Test("bad input gets specific errors")
    func badInput() throws {
        #expect(throws: HiveError(.invalidInput, "an update set must hold at least one update")) {
            try UpdateMatrix([])
        }
        #expect(throws: HiveError(.dimensionMismatch, "update 1 has 2 coordinates; update 0 has 3")) {
            try UpdateMatrix([[1, 2, 3], [1, 2]])
        }
        #expect(throws: HiveError(.invalidInput, "update 1 coordinate 0 is not finite (nan)")) {
            try UpdateMatrix([[1, 2], [.nan, 2]])
        }
        #expect(throws: HiveError(.invalidInput, "update 0 coordinate 1 is not finite (inf)")) {
            try UpdateMatrix([[1, .infinity]])
        }
        let m = try UpdateMatrix([[1, 2], [3, 4]])
        #expect(throws: HiveError(.dimensionMismatch, "expected 2 weights, one per update, got 1")) {
            try RobustAggregation.weightedMean(m, weights: [1])
        }
        #expect(throws: HiveError(.invalidInput, "weight 1 must be finite and ≥ 0, got nan")) {
            try RobustAggregation.weightedMean(m, weights: [1, .nan])
        }
        #expect(throws: HiveError(.invalidInput, "the weights sum to zero")) {
            try RobustAggregation.weightedMean(m, weights: [0, 0])
        }
        #expect(throws: HiveError(.invalidInput, "trimmed-mean β must be in [0, 0.5), got 0.5")) {
            try RobustAggregation.trimmedMean(m, beta: 0.5)
        }
        #expect(throws: HiveError(.invalidInput, "Multi-Krum must keep between 0 and 2 updates, got 3")) {
            try RobustAggregation.krum(m, byzantine: 0, keep: 3)
        }
        #expect(throws: HiveError.self) { try RobustAggregation.centeredClipping(m, radius: -1) }
        #expect(throws: HiveError.self) { try RobustAggregation.normBounded(m, maxNorm: .infinity) }
    }
}
