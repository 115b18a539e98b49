import Foundation
import HiveCore
import Testing

@testable import HiveLearning

@Suite("Sparse update aggregation")
struct UpdateAggregatorTests {
    static let rank = 4

    /// Honest twins each touch a random subset of 20 items around a common per-item delta.
    static func round(twins: Int, seed: UInt64, model: ItemFactorModel) throws -> (
        updates: [ModelUpdate], truth: [Int: [Float]]
    ) {
        var rng = SeededGenerator(seed: seed)
        var truth: [Int: [Float]] = [:]
        for item in 0..<20 { truth[item] = (0...rank).map { _ in Float(rng.nextGaussian()) * 0.1 } }
        let updates = try (0..<twins).map { t in
            let items = (0..<20).filter { _ in rng.nextUnit() < 0.7 }
            let rows = items.map { item -> RowUpdate in
                let v = (truth[item] ?? []).map { $0 + 0.002 * Float(rng.nextGaussian()) }
                return RowUpdate(item: item, factors: Array(v[0..<rank]), bias: v[rank])
            }
            return try ModelUpdate(
                twinID: "twin-\(t)", baseVersion: model.version, rank: rank, rows: rows, interactionCount: 10)
        }
        return (updates, truth)
    }

    @Test("robust rules keep each row near the honest delta with a third sign-flipped; the plain mean does not")
    func robustRows() throws {
        let model = try ItemFactorModel(itemCount: 30, rank: Self.rank, seed: 1)
        let (clean, truth) = try Self.round(twins: 15, seed: 2, model: model)
        var rng = SeededGenerator(seed: 3)
        let attackers = Set((10..<15).map { "twin-\($0)" })
        let updates = try AttackSimulator.apply(.signFlip(scale: 100), to: clean, attackers: attackers, using: &rng)

        // Per row, how many senders and how many of them attackers.
        var senders: [Int: (all: Int, bad: Int)] = [:]
        for u in updates {
            for row in u.rows {
                senders[row.item, default: (0, 0)].all += 1
                if attackers.contains(u.twinID) { senders[row.item, default: (0, 0)].bad += 1 }
            }
        }
        let fraction = 0.45
        // A rule tuned for a Byzantine fraction only promises rows where the attackers stay
        // within it; the random send pattern leaves most rows there (checked).
        let covered = Set(senders.filter { $0.value.bad <= Int(fraction * Double($0.value.all)) }.keys)
        #expect(covered.count >= 18, "only \(covered.count) rows have ≤ ⌊0.45·m⌋ attackers")

        func worst(_ rule: AggregationRule) throws -> (Float, AggregationRound) {
            let round = try UpdateAggregator(rule: rule).aggregate(updates, model: model)
            var w: Float = 0
            for row in round.rows where covered.contains(row.item) {
                w = max(w, TestData.maxAbsDifference(row.factors + [row.bias], truth[row.item] ?? []))
            }
            return (w, round)
        }
        #expect(try worst(.weightedMean).0 > 1)
        for rule: AggregationRule in [
            .median, .trimmedMean(beta: fraction), .krum(byzantine: fraction), .multiKrum(byzantine: fraction),
        ] {
            let (error, round) = try worst(rule)
            #expect(error < 0.1, "\(rule): worst covered-row error \(error)")
            for d in round.twins where attackers.contains(d.twinID) {
                #expect(d.quality < 0.05, "\(rule): attacker \(d.twinID) quality \(d.quality)")
            }
            for d in round.twins where !attackers.contains(d.twinID) {
                #expect(!d.excluded, "\(rule): honest \(d.twinID) excluded")
            }
        }
        // The median needs only an honest majority per row, a weaker assumption.
        let median = try UpdateAggregator(rule: .median).aggregate(updates, model: model)
        for row in median.rows {
            guard let s = senders[row.item], s.bad * 2 < s.all else { continue }
            #expect(TestData.maxAbsDifference(row.factors + [row.bias], truth[row.item] ?? []) < 0.1)
        }
    }

    @Test("reputation learns who the attackers are over rounds and down-weights them")
    func reputationFromDiagnostics() throws {
        let model = try ItemFactorModel(itemCount: 30, rank: Self.rank, seed: 1)
        var book = ReputationBook()
        let attackers = Set(["twin-0", "twin-1"])
        var rng = SeededGenerator(seed: 9)
        for r in 0..<20 {
            let (clean, _) = try Self.round(twins: 9, seed: UInt64(100 + r), model: model)
            let updates = try AttackSimulator.apply(.scaling(factor: 50), to: clean, attackers: attackers, using: &rng)
            let round = try UpdateAggregator(rule: .median).aggregate(
                updates, model: model, weights: book.weights(for: updates.map(\.twinID)))
            try book.record(round.twins)
        }
        for a in attackers { #expect(book.score(of: a) < 0.1) }
        for t in 2..<9 { #expect(book.isTrusted("twin-\(t)"), "twin-\(t): \(book.score(of: "twin-\(t)"))") }
    }

    @Test("applying a round advances the version; twins pull only changed rows")
    func applyAndPull() throws {
        let model = try ItemFactorModel(itemCount: 30, rank: Self.rank, seed: 1)
        var twinCopy = model
        let (updates, _) = try Self.round(twins: 5, seed: 4, model: model)
        let round = try UpdateAggregator(rule: .weightedMean).aggregate(updates, model: model)
        let next = try model.applying(round)
        #expect(next.version == 1)
        let delta = try next.delta(since: 0)
        #expect(delta.rows.map(\.item) == round.rows.map(\.item))
        #expect(delta.rows.count < 30)
        try twinCopy.apply(delta)
        #expect(twinCopy == next)
        // Applying the same delta twice is harmless; a stale round is refused.
        try twinCopy.apply(delta)
        #expect(twinCopy == next)
        #expect(throws: HiveError.self) { try next.applying(round) }
        #expect(try next.delta(since: 1).rows.isEmpty)
    }

    @Test("bad rounds get specific errors and change nothing")
    func badRounds() throws {
        let model = try ItemFactorModel(itemCount: 10, rank: 2, seed: 1)
        let aggregator = try UpdateAggregator(rule: .median)
        #expect(throws: HiveError(.invalidInput, "an aggregation round needs at least one update")) {
            try aggregator.aggregate([], model: model)
        }
        let good = try ModelUpdate(
            twinID: "a", baseVersion: 0, rank: 2, rows: [RowUpdate(item: 1, factors: [0.1, 0.2], bias: 0)],
            interactionCount: 1)
        #expect(throws: HiveError(.duplicate, "twin a sent more than one update in this round")) {
            try aggregator.aggregate([good, good], model: model)
        }
        let wide = try ModelUpdate(
            twinID: "b", baseVersion: 0, rank: 3, rows: [RowUpdate(item: 1, factors: [0.1, 0.2, 0.3], bias: 0)],
            interactionCount: 1)
        #expect(throws: HiveError(.dimensionMismatch, "update from b has rank 3; the model's rank is 2")) {
            try aggregator.aggregate([good, wide], model: model)
        }
        let far = try ModelUpdate(
            twinID: "c", baseVersion: 0, rank: 2, rows: [RowUpdate(item: 10, factors: [0.1, 0.2], bias: 0)],
            interactionCount: 1)
        #expect(throws: HiveError(.invalidInput, "update from c touches item 10; the model has 10 items")) {
            try aggregator.aggregate([far], model: model)
        }
        let future = try ModelUpdate(
            twinID: "d", baseVersion: 4, rank: 2, rows: [RowUpdate(item: 1, factors: [0.1, 0.2], bias: 0)],
            interactionCount: 1)
        #expect(throws: HiveError.self) { try aggregator.aggregate([future], model: model) }
        // A NaN smuggled in after construction (fields are mutable) is caught by the aggregator.
        var poisoned = good
        poisoned.rows[0].factors[0] = .nan
        #expect(throws: HiveError.self) { try aggregator.aggregate([poisoned], model: model) }
        #expect(throws: HiveError.self) { try aggregator.aggregate([good], model: model, weights: ["a": -1]) }
        #expect(throws: HiveError.self) { try UpdateAggregator(rule: .trimmedMean(beta: 0.7)) }
        #expect(throws: HiveError.self) { try UpdateAggregator(rule: .krum(byzantine: .nan)) }
    }

    @Test("ModelUpdate decoding validates what a hostile sender controls")
    func decodeValidation() throws {
        func decode(_ json: String) throws -> ModelUpdate {
            try JSONDecoder().decode(ModelUpdate.self, from: Data(json.utf8))
        }
        let ok =
            #"{"twin_id":"t","base_version":3,"rank":2,"interaction_count":5,"rows":[{"item":1,"factors":[0.5,-0.25],"bias":0.1},{"item":4,"factors":[1,2],"bias":0}]}"#
        let update = try decode(ok)
        #expect(update.rows.count == 2 && update.baseVersion == 3)
        let roundTrip = try JSONDecoder().decode(ModelUpdate.self, from: JSONEncoder().encode(update))
        #expect(roundTrip == update)

        let cases: [(String, String)] = [
            (
                #"{"twin_id":"t","base_version":0,"rank":2,"interaction_count":5,"rows":[{"item":1,"factors":[0.5],"bias":0}]}"#,
                "rows[0] (item 1) has 1 factors; rank is 2"
            ),
            (
                #"{"twin_id":"t","base_version":0,"rank":1,"interaction_count":5,"rows":[{"item":4,"factors":[1],"bias":0},{"item":1,"factors":[1],"bias":0}]}"#,
                "rows must be sorted by item; rows[1].item 1 follows 4"
            ),
            (
                #"{"twin_id":"t","base_version":0,"rank":1,"interaction_count":5,"rows":[{"item":1,"factors":[1],"bias":0},{"item":1,"factors":[1],"bias":0}]}"#,
                "rows[1] repeats item 1"
            ),
            (
                #"{"twin_id":"t","base_version":0,"rank":1,"interaction_count":5,"rows":[{"item":1,"factors":[1e30],"bias":0}]}"#,
                "rows[0] (item 1) holds 1e+30; values must be finite with magnitude ≤ 1e6"
            ),
            (
                #"{"twin_id":"","base_version":0,"rank":1,"interaction_count":5,"rows":[{"item":1,"factors":[1],"bias":0}]}"#,
                "twin_id must not be empty"
            ),
            (#"{"twin_id":"t","base_version":0,"rank":1,"interaction_count":5,"rows":[]}"#, "rows must not be empty"),
            (
                #"{"twin_id":"t","base_version":0,"rank":0,"interaction_count":5,"rows":[{"item":1,"factors":[],"bias":0}]}"#,
                "rank must be in 1…1024, got 0"
            ),
            (
                #"{"twin_id":"t","base_version":0,"rank":1,"interaction_count":5,"rows":[{"item":-3,"factors":[1],"bias":0}]}"#,
                "rows[0].item must be ≥ 0, got -3"
            ),
        ]
        for (json, message) in cases {
            #expect(throws: HiveError.self, "\(message)") { try decode(json) }
            do {
                _ = try decode(json)
            } catch let error as HiveError {
                #expect(error.message == message)
            }
        }
        // Truncated bytes are a decoding error, not a crash; through HiveJSON they become `malformed`.
        #expect(throws: (any Error).self) { try decode(String(ok.prefix(40))) }
        do {
            _ = try HiveJSON.decode(ModelUpdate.self, from: Data(ok.prefix(40).utf8))
            Issue.record("truncated update decoded")
        } catch let error as HiveError {
            #expect(error.code == .malformed)
        }
        // Validation failures pass through HiveJSON unchanged.
        #expect(throws: HiveError(.invalidInput, "rows[0].item must be ≥ 0, got -3")) {
            try HiveJSON.decode(ModelUpdate.self, from: Data(cases[7].0.utf8))
        }
    }
}

@Suite("Row combination, median norm bounding and agreement")
struct RowCombinationTests {
    static func update(_ twin: String, _ rows: [(Int, [Float])], model: ItemFactorModel) throws -> ModelUpdate {
        try ModelUpdate(
            twinID: twin, baseVersion: model.version, rank: model.rank,
            rows: rows.map { RowUpdate(item: $0.0, factors: Array($0.1.dropLast()), bias: $0.1.last ?? 0) },
            interactionCount: 1)
    }

    @Test("sum adds the senders' deltas (weights relative to the round's median); mean averages them")
    func sum() throws {
        let model = try ItemFactorModel(itemCount: 5, rank: 2, seed: 1)
        let updates = try [
            Self.update("a", [(0, [1, 0, 1]), (1, [2, 2, 2])], model: model),
            Self.update("b", [(0, [3, 0, 1])], model: model),
            Self.update("c", [(2, [1, 1, 1])], model: model),
        ]
        let summed = try UpdateAggregator(rule: .weightedMean, combination: .sum).aggregate(updates, model: model)
        #expect(summed.rows.map(\.item) == [0, 1, 2])
        #expect(summed.rows[0].factors == [4, 0] && summed.rows[0].bias == 2)
        #expect(summed.rows[1].factors == [2, 2])  // a row sent by one twin is not averaged with zeros
        let mean = try UpdateAggregator(rule: .weightedMean).aggregate(updates, model: model)
        #expect(mean.rows[0].factors == [2, 0] && mean.rows[0].bias == 1)
        // Weights 1, 0.5, 1: median 1, so row 0 = 1·a + 0.5·b.
        let weighted = try UpdateAggregator(rule: .weightedMean, combination: .sum)
            .aggregate(updates, model: model, weights: ["a": 1, "b": 0.5, "c": 1])
        #expect(abs(weighted.rows[0].factors[0] - 2.5) < 1e-6)
        // Unweighted rules: the robust centre times the sender count.
        let median = try UpdateAggregator(rule: .median, combination: .sum).aggregate(updates, model: model)
        #expect(median.rows[0].factors == [4, 0])
    }

    @Test("median norm bounding scales outsized updates to the round's median norm")
    func medianNorm() throws {
        let model = try ItemFactorModel(itemCount: 5, rank: 2, seed: 1)
        let updates = try [
            Self.update("a", [(0, [1, 0, 0])], model: model),
            Self.update("b", [(0, [2, 0, 0])], model: model),
            Self.update("c", [(0, [300, 0, 0])], model: model),
        ]
        let round = try UpdateAggregator(rule: .medianNormBounding(multiple: 1), combination: .sum)
            .aggregate(updates, model: model)
        #expect(abs(round.rows[0].factors[0] - 5) < 1e-5)  // 1 + 2 + 2
        #expect(round.twins[2].retained < 0.01)
        #expect(throws: HiveError.self) { try UpdateAggregator(rule: .medianNormBounding(multiple: 0)) }
        #expect(throws: HiveError.self) { try UpdateAggregator(rule: .medianNormBounding(multiple: .nan)) }
    }

    @Test("agreement: a sign-flipped twin scores quality 0, an orthogonal one about half, honest twins about 1")
    func agreement() throws {
        let model = try ItemFactorModel(itemCount: 5, rank: 2, seed: 1)
        let honest: [Float] = [1, 2, 0.5]
        let updates = try [
            Self.update("h1", [(0, honest), (1, honest)], model: model),
            Self.update("h2", [(0, honest.map { $0 * 1.1 }), (1, honest)], model: model),
            Self.update("h3", [(0, honest.map { $0 * 0.9 }), (1, honest)], model: model),
            Self.update("flip", [(0, honest.map { -$0 }), (1, honest.map { -$0 })], model: model),
            Self.update("ortho", [(0, [2, -1, 0]), (1, [2, -1, 0])], model: model),
        ]
        let round = try UpdateAggregator(rule: .medianNormBounding(multiple: 1), scoresAgreement: true)
            .aggregate(updates, model: model)
        let byID = Dictionary(uniqueKeysWithValues: round.twins.map { ($0.twinID, $0) })
        #expect((byID["flip"]?.agreement ?? 1) < 0)
        #expect(byID["flip"]?.quality == 0)
        // Orthogonal to the honest direction; its cosine with the fused row comes only from its own share of it.
        #expect((byID["ortho"]?.agreement ?? 1) < 0.6)
        for id in ["h1", "h2", "h3"] {
            #expect((byID[id]?.agreement ?? 0) > 0.9)
            #expect((byID[id]?.quality ?? 0) > (byID["ortho"]?.quality ?? 1))
        }
        // Not requested: no agreement, quality as before.
        let plain = try UpdateAggregator(rule: .medianNormBounding(multiple: 1)).aggregate(updates, model: model)
        #expect(plain.twins.allSatisfy { $0.agreement == nil })
    }
}

@Suite("In-place apply")
struct InPlaceApplyTests {
    static func model() throws -> ItemFactorModel {
        try ItemFactorModel(version: 3, itemCount: 4, rank: 2, factors: [1, 2, 3, 4, 5, 6, 7, 8], biases: [0, 1, 2, 3])
    }

    @Test("apply equals applying, advances the version and stamps only the changed rows")
    func sameAsApplying() throws {
        let round = AggregationRound(
            baseVersion: 3, rule: .weightedMean,
            rows: [RowUpdate(item: 1, factors: [1, -1], bias: 0.5), RowUpdate(item: 3, factors: [0, 2], bias: -1)], twins: [])
        var model = try Self.model()
        let expected = try model.applying(round, learningRate: 0.5)
        try model.apply(round, learningRate: 0.5)
        #expect(model == expected)
        #expect(model.version == 4)
        #expect(model.factors == [1, 2, 3.5, 3.5, 5, 6, 7, 9])
        #expect(model.biases == [0, 1.25, 2, 2.5])
        #expect(model.rowVersions == [3, 4, 3, 4])
    }

    @Test("a round that does not fit leaves the model exactly as it was")
    func badRoundsChangeNothing() throws {
        let original = try Self.model()
        let bad: [AggregationRound] = [
            AggregationRound(baseVersion: 2, rule: .weightedMean, rows: [RowUpdate(item: 0, factors: [1, 1], bias: 0)], twins: []),
            AggregationRound(baseVersion: 3, rule: .weightedMean, rows: [RowUpdate(item: 0, factors: [1, 1], bias: 0), RowUpdate(item: 4, factors: [1, 1], bias: 0)], twins: []),
            AggregationRound(baseVersion: 3, rule: .weightedMean, rows: [RowUpdate(item: 1, factors: [1], bias: 0)], twins: []),
            AggregationRound(baseVersion: 3, rule: .weightedMean, rows: [RowUpdate(item: 1, factors: [1, 1], bias: 0), RowUpdate(item: 1, factors: [1, 1], bias: 0)], twins: []),
            AggregationRound(baseVersion: 3, rule: .weightedMean, rows: [RowUpdate(item: 0, factors: [1, 1], bias: 0), RowUpdate(item: 2, factors: [.greatestFiniteMagnitude, 0], bias: 0)], twins: []),
        ]
        for round in bad {
            var model = original
            #expect(throws: HiveError.self) { try model.apply(round, learningRate: 2) }
            #expect(model == original)
        }
        var model = original
        let fine = AggregationRound(baseVersion: 3, rule: .weightedMean, rows: [], twins: [])
        #expect(throws: HiveError.self) { try model.apply(fine, learningRate: .nan) }
        #expect(model == original)
    }
}

@Suite("Agreement reference")
struct AgreementReferenceTests {
    /// Three honest twins push item 0 up (by different amounts); two coherent attackers push it
    /// down hard enough that the summed row points down.
    static func updates() throws -> [ModelUpdate] {
        try [("h1", 2), ("h2", 1), ("h3", 0.5), ("a1", -3), ("a2", -3)].map { id, value in
            try ModelUpdate(twinID: id, baseVersion: 0, rank: 1, rows: [RowUpdate(item: 0, factors: [Float(value)], bias: 0)], interactionCount: 1)
        }
    }

    @Test("against the fused row the attackers own the consensus; against the coordinate median they disagree")
    func medianReference() throws {
        let model = try ItemFactorModel(version: 0, itemCount: 1, rank: 1, factors: [0], biases: [0])
        let fused = try UpdateAggregator(rule: .weightedMean, combination: .sum, scoresAgreement: true)
        let byFused = try fused.aggregate(Self.updates(), model: model)
        #expect(byFused.rows[0].factors[0] < 0)  // the attackers won the row
        // Median twin's cosine is −1 (≤ 0): no consensus, nobody is told apart.
        #expect(byFused.twins.map(\.agreement) == [0, 0, 0, 0, 0])

        let median = try UpdateAggregator(
            rule: .weightedMean, combination: .sum, scoresAgreement: true, agreementReference: .coordinateMedian)
        let byMedian = try median.aggregate(Self.updates(), model: model)
        #expect(byMedian.rows == byFused.rows)  // the reference changes reputation, not this round's row
        #expect(byMedian.twins.map(\.agreement) == [1, 1, 1, -1, -1])
        #expect(byMedian.twins.map(\.quality).suffix(2) == [0, 0])
        #expect(byMedian.twins.prefix(3).allSatisfy { $0.quality > 0 })
    }
}
