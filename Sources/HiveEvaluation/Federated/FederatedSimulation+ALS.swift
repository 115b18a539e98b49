import Foundation
import HiveCore
import HiveLearning
import Synchronization

extension FederatedSimulation {
    /// Federated weighted ALS (Hu, Koren & Volinsky 2008, federated as in FCF, Ammad-ud-din et
    /// al. 2019, with exact item solves): each round every twin solves its private user vector
    /// in closed form against the current item factors and sends ``WALSStatistics``; the hub's
    /// ``UpdateAggregator`` fuses them under the configured rule (bounds, reputation, agreement
    /// as for any update); ``WALSSolver`` solves every item row from the fused statistics and the
    /// model advances one version. With the sum combination and every twin weighing 1, a round is
    /// exactly one iteration of ``centralisedALS(rank:epochs:als:seed:)``.
    func runALS(
        _ config: Configuration, als: WALSConfiguration, onRound: (Int, Double) -> Void
    ) throws -> Outcome {
        var rng = SeededGenerator(seed: config.seed)
        var model = try ItemFactorModel(itemCount: split.itemCount, rank: config.rank, seed: config.seed &+ 1)
        let trainer = WALSTrainer(configuration: als)
        let aggregator = try UpdateAggregator(
            rule: config.rule, combination: config.combination, scoresAgreement: config.scoresAgreement,
            agreementReference: config.agreementReference, rowNormMultiple: config.rowNormMultiple,
            normBasis: config.normBasis, linearStatisticsAgreement: config.linearStatisticsAgreement)
        var book = ReputationBook(configuration: config.reputation)
        // Attackers and their poisoned data exactly as in the trainer's path (same draws).
        let (twins, attackers, attackerIDs, interactions, identities) = try population(config, using: &rng)
        var users = [[Float]?](repeating: nil, count: split.userCount)
        var curve: [EvaluationResult] = []
        var verified = 0
        for round in 0..<config.rounds {
            let outcomes = try Self.solveAll(twins: twins, interactions: interactions, model: model, trainer: trainer)
            var updates: [ModelUpdate] = []
            updates.reserveCapacity(outcomes.count)
            for (user, outcome) in outcomes {
                users[Int(user)] = outcome.user
                updates.append(outcome.statistics)
            }
            if let attack = config.attack, !attackerIDs.isEmpty {
                updates = try AttackSimulator.apply(attack, toStatistics: updates, attackers: attackerIDs, model: model, using: &rng)
            }
            if round < config.signedRounds {
                let limit = config.signedTwins ?? updates.count
                updates = try updates.enumerated().map { index, update in
                    guard index < limit else { return update }
                    guard let user = Int32(update.twinID.dropFirst()), let identity = identities[user] else {
                        throw HiveError(.inconsistent, "no identity for \(update.twinID)")
                    }
                    // A heavy user's statistics exceed one envelope's payload limit (1 MiB of
                    // canonical JSON): they travel as several signed envelopes of 64 rows each.
                    var rows: [RowUpdate] = []
                    for (part, start) in stride(from: 0, to: update.rows.count, by: 64).enumerated() {
                        let chunk = try ModelUpdate(
                            twinID: update.twinID, baseVersion: update.baseVersion, rank: update.rank,
                            rows: Array(update.rows[start..<min(start + 64, update.rows.count)]),
                            interactionCount: update.interactionCount)
                        let stamp = HLCTimestamp(physicalMs: UInt64(round) + 1, logical: UInt16(truncatingIfNeeded: part), nodeID: identity.nodeID)
                        let envelope = try SignedEnvelope.sign(chunk, kind: .modelUpdate, stamp: stamp, identity: identity)
                        try envelope.verify()
                        guard envelope.signer == identity.publicKey else {
                            throw HiveError(.badSignature, "statistics for \(update.twinID) signed by another key")
                        }
                        let decoded = try envelope.decodePayload(as: ModelUpdate.self)
                        guard decoded.twinID == update.twinID else {
                            throw HiveError(.inconsistent, "an envelope of \(update.twinID) carries \(decoded.twinID)")
                        }
                        rows += decoded.rows
                    }
                    verified += 1
                    return try ModelUpdate(
                        twinID: update.twinID, baseVersion: update.baseVersion, rank: update.rank, rows: rows,
                        interactionCount: update.interactionCount)
                }
            }
            // Ingest: statistics no single user vector produces are refused (quality 0).
            let layout = WALSStatistics(rank: model.rank)
            var refused: [String] = []
            updates = updates.filter { update in
                if (try? layout.decompose(update, itemCount: model.itemCount)) != nil { return true }
                refused.append(update.twinID)
                return false
            }
            for twin in refused { try book.record(quality: 0, for: twin) }
            guard !updates.isEmpty else { throw HiveError(.invalidInput, "every twin's statistics were refused in round \(round + 1)") }
            let weights = config.reputationWeights ? book.weights(for: updates.map(\.twinID)) : [:]
            let fused = try aggregator.aggregateStatistics(updates, model: model, weights: weights)
            try book.record(fused.twins)
            let step = try WALSSolver.itemStep(model: model, statistics: fused, configuration: als)
            try model.apply(step.round, learningRate: config.serverLearningRate)
            let result = RecommenderEvaluation.evaluate(
                FactorModelScorer(model: model, users: users), on: split, fullRanking: false, excluding: attackers)
            curve.append(result)
            onRound(round + 1, result.hitRate10)
        }
        return Outcome(model: model, users: users, curve: curve, attackers: attackers, envelopesVerified: verified)
    }

    /// Centralised weighted ALS, our trainer with all data in one place: per epoch every user's
    /// closed-form solve, then every item's, from the exact (Double) sum of the same statistics.
    public func centralisedALS(
        rank: Int = 32, epochs: Int, als: WALSConfiguration, seed: UInt64
    ) throws -> (ItemFactorModel, [[Float]?]) {
        var model = try ItemFactorModel(itemCount: split.itemCount, rank: rank, seed: seed &+ 1)
        let trainer = WALSTrainer(configuration: als)
        let twins = split.tests.map(\.user)
        var interactions: [Int32: [Interaction]] = [:]
        for user in twins { interactions[user] = split.train[Int(user)].map { Interaction(item: Int($0), weight: 1) } }
        var users = [[Float]?](repeating: nil, count: split.userCount)
        for _ in 0..<epochs {
            let outcomes = try Self.solveAll(twins: twins, interactions: interactions, model: model, trainer: trainer)
            for (user, outcome) in outcomes { users[Int(user)] = outcome.user }
            let total = try WALSSolver.sum(outcomes.map(\.1.statistics), model: model)
            try model.apply(WALSSolver.itemStep(model: model, statistics: total, configuration: als).round)
        }
        return (model, users)
    }

    /// Newcomers fold in: each user's vector solved in closed form from `histories` against a
    /// fixed model (the model is not changed).
    public func personaliseALS(model: ItemFactorModel, histories: [[Int32]], als: WALSConfiguration) throws -> [[Float]?] {
        let trainer = WALSTrainer(configuration: als)
        let gram = WALSTrainer.gram(of: model)
        var users = [[Float]?](repeating: nil, count: split.userCount)
        for test in split.tests {
            let own = histories[Int(test.user)].map { Interaction(item: Int($0), weight: 1) }
            guard !own.isEmpty else { continue }
            users[Int(test.user)] = try trainer.solveUser(model: model, gram: gram, interactions: own)
        }
        return users
    }

    /// Every twin's user solve and statistics against `model`, spread over the cores (no
    /// randomness: the result does not depend on scheduling). In `twins` order, skipping twins
    /// without interactions.
    static func solveAll(
        twins: [Int32], interactions: [Int32: [Interaction]], model: ItemFactorModel, trainer: WALSTrainer
    ) throws -> [(Int32, (user: [Float], statistics: ModelUpdate))] {
        let gram = WALSTrainer.gram(of: model)
        return try forEachTwin(twins: twins, interactions: interactions) { user, own in
            try trainer.train(model: model, gram: gram, interactions: own, twinID: "u\(user)")
        }
    }
}
