import Foundation
import HiveCore
import HiveLearning
import Synchronization

extension FederatedSimulation {
    /// One round of local training for every twin, spread over the machine's cores. Each twin
    /// draws from its own generator seeded by (seed, round, twin), so the outcome does not depend
    /// on the number of workers or their scheduling. Returns (twin, outcome) in `twins` order,
    /// skipping twins without interactions.
    static func trainAll(
        twins: [Int32], interactions: [Int32: [Interaction]], users: [[Float]?], model: ItemFactorModel,
        trainer: LocalTrainer, seed: UInt64, round: Int
    ) throws -> [(Int32, TrainingOutcome)] {
        try forEachTwin(twins: twins, interactions: interactions) { user, own in
            var rng = twinGenerator(seed: seed, round: round, twin: user)
            return try trainer.train(
                model: model, user: users[Int(user)], interactions: own, twinID: "u\(user)", using: &rng)
        }
    }

    /// `work` for every twin with interactions, spread over the machine's cores (at most 8
    /// workers, twins dealt round robin). Returns (twin, result) in `twins` order; the first error
    /// any worker meets is thrown once all have stopped.
    static func forEachTwin<Outcome: Sendable>(
        twins: [Int32], interactions: [Int32: [Interaction]],
        _ work: @Sendable (_ twin: Int32, _ interactions: [Interaction]) throws -> Outcome
    ) throws -> [(Int32, Outcome)] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, twins.count))
        let results = Mutex<[Outcome?]>(Array(repeating: nil, count: twins.count))
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var local: [(Int, Outcome)] = []
            for index in stride(from: worker, to: twins.count, by: workers) {
                let user = twins[index]
                guard let own = interactions[user], !own.isEmpty else { continue }
                do {
                    local.append((index, try work(user, own)))
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
            results.withLock { all in for (index, outcome) in local { all[index] = outcome } }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        let outcomes = results.withLock { $0 }
        return zip(twins, outcomes).compactMap { twin, outcome in outcome.map { (twin, $0) } }
    }

    /// A generator for one twin in one round: the seed triple hashed through SplitMix64 (nearby
    /// raw seeds would give overlapping SplitMix streams).
    public static func twinGenerator(seed: UInt64, round: Int, twin: Int32) -> SeededGenerator {
        var mixer = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: round) << 32) ^ UInt64(UInt32(bitPattern: twin)))
        var hashed = SeededGenerator(seed: mixer.next())
        _ = hashed.next()
        return SeededGenerator(seed: hashed.next())
    }
}

extension FederatedSimulation {
    /// Runs independent simulations side by side (`workers` at a time; each run's local training
    /// is itself spread over the cores), so the serial aggregation step of one run overlaps the
    /// training of another. Every run is seeded by its own configuration, so the outcomes equal
    /// those of running them one after another. `onRound` receives (run index, round, HR@10)
    /// from whichever thread is running that run. Throws the first error any run threw.
    public func runAll(
        _ configurations: [Configuration], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        onRound: @escaping @Sendable (Int, Int, Double) -> Void = { _, _, _ in }
    ) throws -> [Outcome] {
        // Work-stealing lanes: runs differ in cost (label flip trains on more data).
        try Lanes.run(
            configurations.enumerated().map { index, configuration in
                { @Sendable in try run(configuration) { round, hr in onRound(index, round, hr) } }
            }, lanes: workers)
    }
}
