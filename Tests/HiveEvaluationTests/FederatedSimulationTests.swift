import HiveCore
import HiveLearning
import Testing
@testable import HiveEvaluation

@Suite("Federated simulation")
struct FederatedSimulationTests {
    /// 60 users, 150 items in 6 topics; each user interacts with 9 items of one topic. Item genres
    /// are random, so a twin alone learns nothing from content; the federation learns the topics.
    static func world() -> InteractionDataset {
        var rng = SeededGenerator(seed: 5)
        let itemCount = 150, topics = 6
        let genres = ["a", "b", "c"]
        let items = (0..<itemCount).map { InteractionDataset.Item(externalID: String($0 + 1), title: "item \($0)", genres: [genres[Int(rng.next() % 3)]]) }
        var interactions: [InteractionDataset.Interaction] = []
        for user in 0..<60 {
            let topic = user % topics
            let liked = (0..<itemCount).filter { $0 % topics == topic }.shuffled(using: &rng).prefix(9)
            for (t, item) in liked.enumerated() {
                interactions.append(.init(user: Int32(user), item: Int32(item), rating: 5, timestamp: Int64(t)))
            }
        }
        return InteractionDataset(name: "synthetic", interactions: interactions, userIDs: (0..<60).map(String.init), items: items)
    }

    /// A perfect topic model ranks the held-out item among the ~17 same-topic candidates, so
    /// HR@10 tops out near 0.6 here; a twin alone (random genres) sits near 0.1.
    @Test("federated training beats local-only twins on a tiny synthetic world")
    func federatedBeatsLocalOnly() throws {
        let data = Self.world()
        let split = try LeaveOneOutSplit(data, negativeCount: 99, seed: 1)
        let simulation = FederatedSimulation(split: split)
        let trainer = try TrainerConfiguration(algorithm: .bpr, learningRate: 0.05, epochs: 5, clipNorm: 5)
        let run = try simulation.run(.init(rounds: 25, rank: 16, trainer: trainer, seed: 3))
        let federated = RecommenderEvaluation.evaluate(FactorModelScorer(model: run.model, users: run.users), on: split)
        let local = RecommenderEvaluation.evaluate(ContentProfileScorer(dataset: data, train: split.train), on: split)
        #expect(federated.hitRate10 > 0.25, "federated HR@10 \(federated.hitRate10)")
        #expect(federated.hitRate10 > 1.36 * local.hitRate10, "federated \(federated.hitRate10) vs local-only \(local.hitRate10)")
        #expect(run.curve.count == 25)
    }

    @Test("with signing on, every update travels as a verified SignedEnvelope")
    func signedUpdates() throws {
        let split = try LeaveOneOutSplit(Self.world(), negativeCount: 99, seed: 1)
        let trainer = try TrainerConfiguration(algorithm: .bpr, epochs: 1, clipNorm: 5)
        let run = try FederatedSimulation(split: split).run(.init(rounds: 2, rank: 4, trainer: trainer, signedRounds: 2, seed: 3))
        #expect(run.envelopesVerified == 2 * 60)
    }

    @Test("attackers are chosen by the seed and left out of the honest evaluation")
    func attackersExcluded() throws {
        let split = try LeaveOneOutSplit(Self.world(), negativeCount: 99, seed: 1)
        let trainer = try TrainerConfiguration(algorithm: .bpr, epochs: 1, clipNorm: 5)
        let config = FederatedSimulation.Configuration(
            rounds: 2, rank: 4, trainer: trainer, rule: .median, attack: .signFlip(scale: 10), attackerFraction: 0.33, seed: 9)
        let a = try FederatedSimulation(split: split).run(config)
        let b = try FederatedSimulation(split: split).run(config)
        #expect(a.attackers.count == 19)
        #expect(a.attackers == b.attackers)
        #expect(a.curve.last?.users == 60 - 19)
    }
}

@Suite("Runs side by side")
struct RunAllTests {
    @Test("runAll gives each configuration the outcome of running it alone, in order")
    func sameAsSequential() throws {
        let split = try LeaveOneOutSplit(FederatedSimulationTests.world(), negativeCount: 99, seed: 1)
        let trainer = try TrainerConfiguration(algorithm: .bpr, epochs: 1, clipNorm: 5)
        let simulation = FederatedSimulation(split: split)
        let configs: [FederatedSimulation.Configuration] = [
            .init(rounds: 2, rank: 4, trainer: trainer, seed: 3),
            .init(rounds: 3, rank: 4, trainer: trainer, rule: .medianNormBounding(multiple: 1), attack: .signFlip(scale: 10), attackerFraction: 0.2, seed: 4),
            .init(rounds: 2, rank: 4, trainer: trainer, seed: 5, serverMomentum: 0.5),
        ]
        let together = try simulation.runAll(configs, workers: 3)
        let alone = try configs.map { try simulation.run($0) }
        #expect(together.count == 3)
        for (a, b) in zip(together, alone) {
            #expect(a.model == b.model)
            #expect(a.curve == b.curve)
            #expect(a.attackers == b.attackers)
        }
    }

    @Test("a failing configuration fails the whole batch with its error")
    func failurePropagates() throws {
        let split = try LeaveOneOutSplit(FederatedSimulationTests.world(), negativeCount: 99, seed: 1)
        let trainer = try TrainerConfiguration(algorithm: .bpr, epochs: 1, clipNorm: 5)
        let configs: [FederatedSimulation.Configuration] = [
            .init(rounds: 1, rank: 4, trainer: trainer, seed: 3),
            .init(rounds: 1, rank: 4, trainer: trainer, seed: 3, serverMomentum: 2),
        ]
        #expect(throws: HiveError.self) { try FederatedSimulation(split: split).runAll(configs) }
        #expect(try FederatedSimulation(split: split).runAll([]).isEmpty)
    }
}

@Suite("Server momentum")
struct ServerMomentumTests {
    static func round(_ rows: [RowUpdate]) -> AggregationRound {
        AggregationRound(baseVersion: 0, rule: .weightedMean, rows: rows, twins: [])
    }

    @Test("β = 0 passes the round through; β > 0 adds β × the previous velocity, hand-computed")
    func velocity() {
        var plain = ServerMomentum(itemCount: 3, rank: 2, beta: 0)
        let first = Self.round([RowUpdate(item: 1, factors: [1, 2], bias: 3)])
        #expect(plain.step(first) == first)

        var momentum = ServerMomentum(itemCount: 3, rank: 2, beta: 0.5)
        #expect(momentum.step(first).rows == [RowUpdate(item: 1, factors: [1, 2], bias: 3)])
        // Round 2 touches item 0 only: item 1 keeps moving at half its previous velocity.
        let second = momentum.step(Self.round([RowUpdate(item: 0, factors: [4, 0], bias: -1)]))
        #expect(second.rows == [RowUpdate(item: 0, factors: [4, 0], bias: -1), RowUpdate(item: 1, factors: [0.5, 1], bias: 1.5)])
        let third = momentum.step(Self.round([RowUpdate(item: 1, factors: [1, 1], bias: 0)]))
        #expect(third.rows == [RowUpdate(item: 0, factors: [2, 0], bias: -0.5), RowUpdate(item: 1, factors: [1.25, 1.5], bias: 0.75)])
    }

    @Test("a momentum outside [0, 1) is refused before any training")
    func invalidMomentum() throws {
        let split = try LeaveOneOutSplit(FederatedSimulationTests.world(), negativeCount: 99, seed: 1)
        let trainer = try TrainerConfiguration(algorithm: .bpr, epochs: 1, clipNorm: 5)
        for beta: Float in [1, -0.1, .nan] {
            #expect(throws: HiveError.self) {
                try FederatedSimulation(split: split).run(.init(rounds: 1, rank: 4, trainer: trainer, seed: 3, serverMomentum: beta))
            }
        }
    }

    @Test("recent histories keep each user's latest interactions, first ones the oldest")
    func recentHistories() throws {
        let split = try LeaveOneOutSplit(FederatedSimulationTests.world(), negativeCount: 99, seed: 1)
        let recent = split.recentHistories(3)
        let first = split.truncatingHistories(to: 3)
        for user in 0..<split.userCount {
            #expect(recent[user] == Array(split.train[user].suffix(3)))
            #expect(first[user] == Array(split.train[user].prefix(3)))
        }
        #expect(split.train[0].count == 8)
        #expect(recent[0] != first[0])
    }
}

@Suite("Federated weighted ALS simulation")
struct FederatedALSTests {
    @Test("federated ALS with the plain sum and no reputation equals centralised ALS, round for epoch")
    func federatedEqualsCentralised() throws {
        let split = try LeaveOneOutSplit(FederatedSimulationTests.world(), negativeCount: 99, seed: 1)
        let simulation = FederatedSimulation(split: split)
        let als = try WALSConfiguration(regularization: 0.5, alpha: 10)
        let trainer = try TrainerConfiguration()
        let run = try simulation.run(.init(
            rounds: 3, rank: 8, trainer: trainer, seed: 3, combination: .sum, als: als, reputationWeights: false))
        let (central, users) = try simulation.centralisedALS(rank: 8, epochs: 3, als: als, seed: 3)
        #expect(zip(run.model.factors, central.factors).allSatisfy { abs($0 - $1) < 1e-3 })
        let federated = RecommenderEvaluation.evaluate(FactorModelScorer(model: run.model, users: run.users), on: split)
        let centralised = RecommenderEvaluation.evaluate(FactorModelScorer(model: central, users: users), on: split)
        #expect(abs(federated.hitRate10 - centralised.hitRate10) < 0.02)
        #expect(federated.hitRate10 > 0.25, "federated ALS HR@10 \(federated.hitRate10)")
    }

    @Test("signed ALS statistics travel in several envelopes and arrive intact")
    func signedStatistics() throws {
        let split = try LeaveOneOutSplit(FederatedSimulationTests.world(), negativeCount: 99, seed: 1)
        let als = try WALSConfiguration()
        let config = FederatedSimulation.Configuration(
            rounds: 1, rank: 16, trainer: try TrainerConfiguration(), signedRounds: 1, signedTwins: 5, seed: 3,
            combination: .sum, als: als, reputationWeights: false)
        var unsigned = config
        unsigned.signedRounds = 0
        let a = try FederatedSimulation(split: split).run(config)
        let b = try FederatedSimulation(split: split).run(unsigned)
        #expect(a.envelopesVerified == 5)
        #expect(a.model.factors == b.model.factors)
    }
}
