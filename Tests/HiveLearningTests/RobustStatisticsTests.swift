import Foundation
import HiveCore
import Testing

@testable import HiveLearning

@Suite("Robust bounds and agreement for heavy twins and ALS statistics")
struct RobustStatisticsTests {
    @Test("per-row norm basis: a heavy but typical twin keeps everything; a ×10 twin is still trimmed ×10")
    func perRowBasis() throws {
        let model = try ItemFactorModel(itemCount: 40, rank: 2, seed: 1)
        func update(_ id: String, items: Range<Int>, value: Float) throws -> ModelUpdate {
            try ModelUpdate(
                twinID: id, baseVersion: 0, rank: 2,
                rows: items.map { RowUpdate(item: $0, factors: [value, 0], bias: 0) }, interactionCount: items.count)
        }
        let updates = try [
            update("light1", items: 0..<2, value: 1), update("light2", items: 0..<2, value: 1.2),
            update("light3", items: 1..<3, value: 0.9), update("heavy", items: 0..<32, value: 1),
            update("scaled", items: 2..<4, value: 10),
        ]
        let whole = try UpdateAggregator(rule: .medianNormBounding(multiple: 1), combination: .sum)
            .aggregate(updates, model: model)
        let perRow = try UpdateAggregator(rule: .medianNormBounding(multiple: 1), combination: .sum, normBasis: .perRow)
            .aggregate(updates, model: model)
        func twin(_ round: AggregationRound, _ id: String) -> TwinDiagnostics? { round.twins.first { $0.twinID == id } }
        func row(_ round: AggregationRound, _ item: Int) -> Float { round.rows.first { $0.item == item }?.factors[0] ?? .nan }
        // Whole norm: the heavy twin (√32 ≈ 5.7 × a light twin's norm) is cut to the median, a
        // sixth of each of its rows survives and its diagnostics say so.
        #expect((twin(whole, "heavy")?.retained ?? 1) < 0.4)
        let medianNorm: Float = 1.2 * Float(2).squareRoot()  // light2's, the round's median
        let heavyNorm: Float = Float(32).squareRoot()
        let trimmed: Float = row(whole, 10)
        #expect(abs(trimmed - medianNorm / heavyNorm) < 0.01)
        // Per-row basis: its rows are typical, so it keeps all of them and full retention.
        #expect(twin(perRow, "heavy")?.retained == 1)
        let kept: Float = row(perRow, 10)
        #expect(abs(kept - 1) < 1e-5)
        // The ×10 twin is trimmed on either basis (its RMS row norm is ~10× the median).
        #expect((twin(perRow, "scaled")?.retained ?? 1) < 0.15)
        let shared: Float = row(perRow, 3)
        #expect(abs(shared - 2) < 0.05)  // heavy's 1 + the trimmed ×10 twin's 1
    }

    /// Statistics of one twin with vector `x` and confidence `c` on each of `items` (11: α 10, the bench's).
    static func statistics(_ id: String, x: [Double], items: [Int], c: Double = 11, itemCount: Int) throws -> ModelUpdate {
        let layout = WALSStatistics(rank: x.count)
        return try layout.compose(
            .init(user: x, confidences: items.sorted().map { (item: $0, confidence: c) }), twinID: id, baseVersion: 0, itemCount: itemCount,
            interactionCount: items.count)
    }

    @Test("statistics agreement on the linear part catches a reversed vector the whole rows hide")
    func linearAgreement() throws {
        let model = try ItemFactorModel(itemCount: 6, rank: 3, seed: 2)
        var rng = SeededGenerator(seed: 9)
        // Honest twins share a taste direction (with spread); the attacker sends the reversed
        // mean at a typical norm — what IPM or a norm-respecting sign flip looks like.
        let taste: [Double] = [1, 0.5, -0.3]
        var updates: [ModelUpdate] = []
        for t in 0..<6 {
            let x = taste.map { $0 * 1.5 + 0.3 * rng.nextGaussian() }
            updates.append(try Self.statistics("h\(t)", x: x, items: [t % 6, (t + 1) % 6, (t + 2) % 6], itemCount: 6))
        }
        updates.append(try Self.statistics("flip", x: taste.map { -1.5 * $0 }, items: [0, 1, 2], itemCount: 6))
        func agreement(linear: Bool) throws -> [String: Double] {
            let aggregator = try UpdateAggregator(
                rule: .medianNormBounding(multiple: 1), combination: .sum, scoresAgreement: true,
                agreementReference: .coordinateMedian, linearStatisticsAgreement: linear)
            let round = try aggregator.aggregateStatistics(updates, model: model)
            return Dictionary(uniqueKeysWithValues: round.twins.map { ($0.twinID, $0.agreement ?? .nan) })
        }
        let whole = try agreement(linear: false)
        let linear = try agreement(linear: true)
        // Whole rows: (c−1)·x·xᵀ is the same for x and −x and carries most of the norm, so the
        // attacker still scores positive agreement (keeps reputation).
        #expect((whole["flip"] ?? 0) > 0.2)
        // Linear part: it points against every row's median sender.
        #expect((linear["flip"] ?? 1) <= 0)
        for t in 0..<6 { #expect((linear["h\(t)"] ?? 0) > 0.5) }
        // The plain (row) aggregate is unchanged by the flag: agreement is all it affects.
        let a = try UpdateAggregator(rule: .weightedMean, combination: .sum, linearStatisticsAgreement: true)
            .aggregateStatistics(updates, model: model)
        let b = try UpdateAggregator(rule: .weightedMean, combination: .sum, linearStatisticsAgreement: false)
            .aggregateStatistics(updates, model: model)
        #expect(a.rows == b.rows)
    }
}
