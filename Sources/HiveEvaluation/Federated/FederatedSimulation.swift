import Foundation
import HiveCore
import HiveLearning

/// Federated training of the MF recommender on a leave-one-out split: one twin per user, each
/// keeping its user vector private; every round each twin trains locally against the current
/// global item factors and sends a clipped sparse update; the hub's aggregation code
/// (``UpdateAggregator``) fuses them under a rule, reputation weights the next round, and the
/// new model version is what every twin pulls.
public struct FederatedSimulation: Sendable {
    /// How a run is set up.
    public struct Configuration: Sendable {
        public var rounds: Int
        public var rank: Int
        public var trainer: TrainerConfiguration
        public var rule: AggregationRule
        /// Server learning rate applied to each aggregated row delta.
        public var serverLearningRate: Float
        /// Model-poisoning attack the attackers apply to their updates (nil: none).
        public var attack: Attack?
        /// Attackers poison their data instead (label flip) and train honestly on it.
        public var labelFlip: Bool
        /// Fraction of twins that attack, chosen by the seed.
        public var attackerFraction: Double
        /// Sign each update in a `SignedEnvelope` and verify + decode it before aggregation, in
        /// the first `signedRounds` rounds (0: none). Canonical JSON of ~900 full MF updates per
        /// round dominates a MovieLens run, and signing changes no arithmetic, so benches sign
        /// round one only; tests sign every round.
        public var signedRounds: Int
        /// In the signed rounds, sign only the first this-many twins' updates (nil: all of them).
        public var signedTwins: Int?
        public var seed: UInt64
        /// Mean or sum of each item row's senders (``RowCombination``).
        public var combination: RowCombination
        /// Reputation quality also scores agreement with the fused update
        /// (``UpdateAggregator/scoresAgreement``).
        public var scoresAgreement: Bool
        /// The reputation EMA's parameters.
        public var reputation: ReputationConfiguration
        /// Server momentum β (FedAvgM, Hsu et al. 2019): the hub applies a velocity
        /// `v ← β·v + fused` instead of the fused delta alone (0: plain FedAvg). It acts on the
        /// rule's output, so whatever the robust rule let through is all that accumulates.
        public var serverMomentum: Float
        /// What agreement is scored against when `scoresAgreement` is on.
        public var agreementReference: AgreementReference
        /// Federated weighted ALS instead of the `trainer` (nil: the trainer's objective, BPR by
        /// default): twins solve their vectors and send ``WALSStatistics``; the hub solves every
        /// item row (``FederatedSimulation/runALS(_:als:onRound:)``).
        public var als: WALSConfiguration?
        /// Weight each twin's contribution by its reputation (false: every twin weighs 1 — plain
        /// FedAvg, with which federated ALS equals centralised ALS step for step).
        public var reputationWeights: Bool
        /// Bound each sender's row at this multiple of the row's median sender norm
        /// (``UpdateAggregator/rowNormMultiple``; nil: none).
        public var rowNormMultiple: Double?
        /// How the norm-bounding rules measure an update (``UpdateAggregator/normBasis``).
        public var normBasis: NormBasis = .whole
        /// ALS: score agreement on the statistics' linear part
        /// (``UpdateAggregator/linearStatisticsAgreement``).
        public var linearStatisticsAgreement: Bool = true

        public init(
            rounds: Int, rank: Int = 32, trainer: TrainerConfiguration, rule: AggregationRule = .weightedMean,
            serverLearningRate: Float = 1, attack: Attack? = nil, labelFlip: Bool = false, attackerFraction: Double = 0,
            signedRounds: Int = 0, signedTwins: Int? = nil, seed: UInt64, combination: RowCombination = .mean,
            scoresAgreement: Bool = false, reputation: ReputationConfiguration = .standard,
            serverMomentum: Float = 0, agreementReference: AgreementReference = .fused,
            als: WALSConfiguration? = nil, reputationWeights: Bool = true, rowNormMultiple: Double? = nil
        ) {
            self.als = als
            self.reputationWeights = reputationWeights
            self.rowNormMultiple = rowNormMultiple
            self.agreementReference = agreementReference
            self.serverMomentum = serverMomentum
            self.signedTwins = signedTwins
            self.combination = combination
            self.scoresAgreement = scoresAgreement
            self.reputation = reputation
            self.rounds = rounds
            self.rank = rank
            self.trainer = trainer
            self.rule = rule
            self.serverLearningRate = serverLearningRate
            self.attack = attack
            self.labelFlip = labelFlip
            self.attackerFraction = attackerFraction
            self.signedRounds = signedRounds
            self.seed = seed
        }
    }

    /// A finished run.
    public struct Outcome: Sendable {
        public var model: ItemFactorModel
        public var users: [[Float]?]
        /// Honest users' sampled HR@10 / NDCG@10 after each round.
        public var curve: [EvaluationResult]
        /// Dense indices of the attacking users.
        public var attackers: Set<Int32>
        public var envelopesVerified: Int
    }

    public let split: LeaveOneOutSplit

    public init(split: LeaveOneOutSplit) { self.split = split }

    /// Runs the simulation. `onRound` receives (round, HR@10) for progress output.
    public func run(_ config: Configuration, onRound: (Int, Double) -> Void = { _, _ in }) throws -> Outcome {
        if let als = config.als { return try runALS(config, als: als, onRound: onRound) }
        var rng = SeededGenerator(seed: config.seed)
        var model = try ItemFactorModel(itemCount: split.itemCount, rank: config.rank, seed: config.seed &+ 1)
        let trainer = LocalTrainer(configuration: config.trainer)
        let aggregator = try UpdateAggregator(
            rule: config.rule, combination: config.combination, scoresAgreement: config.scoresAgreement,
            agreementReference: config.agreementReference, rowNormMultiple: config.rowNormMultiple,
            normBasis: config.normBasis)
        var book = ReputationBook(configuration: config.reputation)
        let (twins, attackers, attackerIDs, interactions, identities) = try population(config, using: &rng)
        var users = [[Float]?](repeating: nil, count: split.userCount)
        var curve: [EvaluationResult] = []
        var verified = 0
        guard config.serverMomentum.isFinite, (0..<1).contains(config.serverMomentum) else {
            throw HiveError(.invalidInput, "server momentum must be in [0, 1), got \(config.serverMomentum)")
        }
        var momentum = ServerMomentum(itemCount: split.itemCount, rank: config.rank, beta: config.serverMomentum)
        for round in 0..<config.rounds {
            let outcomes = try Self.trainAll(
                twins: twins, interactions: interactions, users: users, model: model, trainer: trainer,
                seed: config.seed, round: round)
            var updates: [ModelUpdate] = []
            updates.reserveCapacity(outcomes.count)
            for (user, outcome) in outcomes {
                users[Int(user)] = outcome.user
                updates.append(outcome.update)
            }
            if let attack = config.attack, !attackerIDs.isEmpty {
                updates = try AttackSimulator.apply(attack, to: updates, attackers: attackerIDs, using: &rng)
            }
            if round < config.signedRounds {
                let signed = try Self.signed(
                    updates, limit: config.signedTwins ?? updates.count, identities: identities, round: round, model: model)
                updates = signed.updates
                verified += signed.verified
            }
            let aggregated = try aggregator.aggregate(
                updates, model: model, weights: config.reputationWeights ? book.weights(for: updates.map(\.twinID)) : [:])
            try book.record(aggregated.twins)
            try model.apply(momentum.step(aggregated), learningRate: config.serverLearningRate)
            let result = RecommenderEvaluation.evaluate(
                FactorModelScorer(model: model, users: users), on: split, fullRanking: false, excluding: attackers)
            curve.append(result)
            onRound(round + 1, result.hitRate10)
        }
        return Outcome(model: model, users: users, curve: curve, attackers: attackers, envelopesVerified: verified)
    }

    /// Centralised MF: the same trainer with all data in one place — each user's update is
    /// applied to the shared item factors immediately (sequential SGD), no clipping, no averaging.
    public func centralised(rank: Int = 32, epochs: Int, trainer config: TrainerConfiguration, seed: UInt64) throws -> (ItemFactorModel, [[Float]?]) {
        var rng = SeededGenerator(seed: seed)
        var model = try ItemFactorModel(itemCount: split.itemCount, rank: rank, seed: seed &+ 1)
        let trainer = LocalTrainer(configuration: config)
        var users = [[Float]?](repeating: nil, count: split.userCount)
        for _ in 0..<epochs {
            for user in split.tests.map(\.user).shuffled(using: &rng) {
                let own = split.train[Int(user)].map { Interaction(item: Int($0), weight: 1) }
                let outcome = try trainer.train(model: model, user: users[Int(user)], interactions: own, twinID: "u\(user)", using: &rng)
                users[Int(user)] = outcome.user
                // One update fused alone is itself: apply its rows directly, in place.
                try outcome.update.validate(against: model)
                try model.apply(AggregationRound(
                    baseVersion: model.version, rule: .weightedMean, rows: outcome.update.rows, twins: []))
            }
        }
        return (model, users)
    }

    /// User vectors trained alone against a fixed global model (the model is not changed):
    /// what a new twin with `histories` gets from the federation's item factors.
    public func personalise(model: ItemFactorModel, histories: [[Int32]], trainer config: TrainerConfiguration, seed: UInt64) throws -> [[Float]?] {
        var rng = SeededGenerator(seed: seed)
        let trainer = LocalTrainer(configuration: config)
        var users = [[Float]?](repeating: nil, count: split.userCount)
        for test in split.tests {
            let own = histories[Int(test.user)].map { Interaction(item: Int($0), weight: 1) }
            guard !own.isEmpty else { continue }
            users[Int(test.user)] = try trainer.train(model: model, user: nil, interactions: own, twinID: "u\(test.user)", using: &rng).user
        }
        return users
    }
}
