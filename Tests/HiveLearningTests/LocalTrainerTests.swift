import HiveCore
import Testing

@testable import HiveLearning

@Suite("Local trainer")
struct LocalTrainerTests {
    static let world = TestData.World(users: 6, itemCount: 60, topics: 4, perUser: 8, seed: 5)

    @Test(
        "BPR lowers the BPR loss on a small synthetic preference set",
        arguments: [TrainerConfiguration.Algorithm.bpr, .weightedALS])
    func lowersLoss(algorithm: TrainerConfiguration.Algorithm) throws {
        let model = try ItemFactorModel(itemCount: Self.world.itemCount, rank: 8, seed: 1)
        let trainer = LocalTrainer(
            configuration: try TrainerConfiguration(algorithm: algorithm, epochs: 30, clipNorm: 100))
        for (index, user) in Self.world.users.enumerated() {
            var rng = SeededGenerator(seed: UInt64(index))
            let out = try trainer.train(
                model: model, user: nil, interactions: user.interactions, twinID: "t\(index)", using: &rng)
            #expect(
                out.lossAfter < out.lossBefore * 0.8, "\(algorithm) user \(index): \(out.lossBefore) → \(out.lossAfter)"
            )
        }
    }

    @Test("the update is sparse, clipped to the bound, and reproducible from the seed")
    func sparseAndClipped() throws {
        let model = try ItemFactorModel(itemCount: 60, rank: 8, seed: 1)
        let user = Self.world.users[0]
        let trainer = LocalTrainer(configuration: try TrainerConfiguration(epochs: 2, clipNorm: 0.05))
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        let first = try trainer.train(model: model, user: nil, interactions: user.interactions, twinID: "t", using: &a)
        let second = try trainer.train(model: model, user: nil, interactions: user.interactions, twinID: "t", using: &b)
        #expect(first.update == second.update && first.user == second.user)
        #expect(first.update.rows.count < 60)
        let positives = Set(user.interactions.map(\.item))
        #expect(positives.isSubset(of: Set(first.update.rows.map(\.item))))
        #expect(first.unclippedNorm > 0.05)
        #expect(abs(first.update.norm - 0.05) < 1e-4)
        #expect(first.update.baseVersion == model.version && first.update.twinID == "t")
    }

    @Test("Gaussian noise is added with the configured scale")
    func noise() throws {
        let model = try ItemFactorModel(itemCount: 200, rank: 16, seed: 1)
        let interactions = (0..<40).map { Interaction(item: $0 * 5, weight: 1) }
        let quiet = LocalTrainer(configuration: try TrainerConfiguration(epochs: 1, clipNorm: 1, noiseMultiplier: 0))
        let noisy = LocalTrainer(configuration: try TrainerConfiguration(epochs: 1, clipNorm: 1, noiseMultiplier: 0.5))
        var a = SeededGenerator(seed: 1)
        var b = SeededGenerator(seed: 1)
        let clean = try quiet.train(model: model, user: nil, interactions: interactions, twinID: "t", using: &a)
        let blurred = try noisy.train(model: model, user: nil, interactions: interactions, twinID: "t", using: &b)
        var diffs: [Double] = []
        for (x, y) in zip(clean.update.rows, blurred.update.rows) {
            for (p, q) in zip(x.factors + [x.bias], y.factors + [y.bias]) { diffs.append(Double(q - p)) }
        }
        let std = (diffs.reduce(0) { $0 + $1 * $1 } / Double(diffs.count)).squareRoot()
        #expect(abs(std - 0.5) < 0.05, "noise std \(std)")
    }

    @Test("bad input gets specific errors")
    func badInput() throws {
        let model = try ItemFactorModel(itemCount: 5, rank: 2, seed: 1)
        let trainer = LocalTrainer(configuration: try TrainerConfiguration())
        var rng = SeededGenerator(seed: 1)
        #expect(throws: HiveError(.invalidInput, "training needs at least one interaction")) {
            try trainer.train(model: model, user: nil, interactions: [], twinID: "t", using: &rng)
        }
        #expect(throws: HiveError(.invalidInput, "interactions[0] names item 9; the model has 5 items")) {
            try trainer.train(model: model, user: nil, interactions: [Interaction(item: 9)], twinID: "t", using: &rng)
        }
        #expect(throws: HiveError(.invalidInput, "interactions[0] has weight nan; weights must be in (0, 1e6]")) {
            try trainer.train(
                model: model, user: nil, interactions: [Interaction(item: 1, weight: .nan)], twinID: "t", using: &rng)
        }
        #expect(throws: HiveError(.dimensionMismatch, "user vector has 3 values; the model's rank is 2")) {
            try trainer.train(
                model: model, user: [0, 0, 0], interactions: [Interaction(item: 1)], twinID: "t", using: &rng)
        }
        #expect(throws: HiveError(.invalidInput, "user[1] must be finite, got inf")) {
            try trainer.train(
                model: model, user: [0, .infinity], interactions: [Interaction(item: 1)], twinID: "t", using: &rng)
        }
        #expect(throws: HiveError(.invalidInput, "the twin interacted with every item; no negatives can be sampled")) {
            try trainer.train(
                model: model, user: nil, interactions: (0..<5).map { Interaction(item: $0) }, twinID: "t", using: &rng)
        }
        #expect(throws: HiveError.self) { try TrainerConfiguration(epochs: 0) }
        #expect(throws: HiveError.self) { try TrainerConfiguration(noiseMultiplier: -1) }
    }

    @Test("federated rounds raise the hit rate on held-out items")
    func federatedRounds() throws {
        let world = TestData.World(users: 24, itemCount: 80, topics: 4, perUser: 10, seed: 8)
        var model = try ItemFactorModel(itemCount: world.itemCount, rank: 8, seed: 2)
        var users: [[Float]?] = Array(repeating: nil, count: world.users.count)
        let trainer = LocalTrainer(configuration: try TrainerConfiguration(epochs: 5, clipNorm: 5))
        let aggregator = try UpdateAggregator(rule: .weightedMean)
        var rng = SeededGenerator(seed: 3)
        func hitRate() throws -> Double {
            var hits = 0
            for (index, user) in world.users.enumerated() {
                guard let u = users[index] else { continue }
                let top = try model.recommend(user: u, k: 10, excluding: Set(user.interactions.map(\.item)))
                if top.contains(user.heldOut) { hits += 1 }
            }
            return Double(hits) / Double(world.users.count)
        }
        var first = 0.0
        for r in 0..<15 {
            var updates: [ModelUpdate] = []
            for (index, user) in world.users.enumerated() {
                let out = try trainer.train(
                    model: model, user: users[index], interactions: user.interactions, twinID: "u\(index)", using: &rng)
                users[index] = out.user
                updates.append(out.update)
            }
            model = try model.applying(try aggregator.aggregate(updates, model: model))
            if r == 0 { first = try hitRate() }
        }
        let last = try hitRate()
        // 10 of the 70 unseen items are in each user's topic: a random top 10 hits ≈ 14 %.
        #expect(last > 0.4 && last > first + 0.2, "hit rate \(first) → \(last)")
    }
}
