import HiveCore
import HiveLearning
import Testing
@testable import HiveEvaluation

@Suite("Cold-start split: newcomers held out of training, first 10 interactions → the 11th")
struct ColdStartSplitTests {
    /// 40 users over 200 items: users 0–35 have 12–25 interactions in shuffled insertion order
    /// with random (often tied) timestamps; users 36–39 have 6 (too few to hold out).
    static func dataset() -> InteractionDataset {
        var rng = SeededGenerator(seed: 11)
        var interactions: [InteractionDataset.Interaction] = []
        for user in 0..<40 {
            let count = user < 36 ? 12 + Int(rng.next() % 14) : 6
            let items = (0..<200).shuffled(using: &rng).prefix(count)
            for item in items {
                interactions.append(.init(user: Int32(user), item: Int32(item), rating: 4, timestamp: Int64(rng.next() % 30)))
            }
        }
        interactions.shuffle(using: &rng)
        let items = (0..<200).map { InteractionDataset.Item(externalID: String($0), title: "item \($0)", genres: ["g"]) }
        return InteractionDataset(name: "synthetic", interactions: interactions, userIDs: (0..<40).map(String.init), items: items)
    }

    /// A user's whole history by time, ties broken by the larger item index last (the split's rule).
    static func history(_ data: InteractionDataset, user: Int32) -> [Int32] {
        data.interactions.filter { $0.user == user }.sorted { ($0.timestamp, $0.item) < ($1.timestamp, $1.item) }.map(\.item)
    }

    @Test("newcomers start with their first 10 interactions by time and must rank the 11th; negatives never interacted")
    func nextByTime() throws {
        let data = Self.dataset()
        let split = try LeaveOneOutSplit(data, negativeCount: 99, seed: 3)
        let cold = try ColdStartSplit(split, fold: 0, folds: 4, interactions: 10, negativeCount: 99, seed: 3)
        #expect(!cold.newcomers.tests.isEmpty)
        for test in cold.newcomers.tests {
            let history = Self.history(data, user: test.user)
            #expect(cold.newcomers.train[Int(test.user)] == Array(history.prefix(10)))
            #expect(test.heldOut == history[10])
            #expect(Set(test.negatives).count == 99)
            #expect(Set(test.negatives).isDisjoint(with: history))
            let latest = try #require(cold.newcomersLatest.tests.first { $0.user == test.user })
            #expect(latest.heldOut == history.last)
            // The same-target control: the 10 interactions just before the latest, and all of them.
            #expect(cold.newcomersRecent.train[Int(test.user)] == Array(history.dropLast().suffix(10)))
            #expect(cold.newcomersFull.train[Int(test.user)] == Array(history.dropLast()))
            #expect(cold.newcomersRecent.tests.first { $0.user == test.user } == latest)
            #expect(cold.newcomersFull.tests.first { $0.user == test.user } == latest)
        }
        #expect(cold.ineligibleUsers == 4)
    }

    @Test("held-out users are never trained on: absent from the warm split and from the federation's run")
    func neverTrained() throws {
        let split = try LeaveOneOutSplit(Self.dataset(), negativeCount: 99, seed: 3)
        let cold = try ColdStartSplit(split, fold: 1, folds: 4, seed: 3)
        let held = Set(cold.newcomers.tests.map(\.user))
        for user in held {
            #expect(cold.warm.train[Int(user)].isEmpty)
            #expect(cold.warm.trainTimes[Int(user)].isEmpty)
        }
        #expect(Set(cold.warm.tests.map(\.user)).isDisjoint(with: held))
        #expect(cold.warm.tests.count + held.count == split.tests.count)
        // Everyone else keeps exactly their leave-one-out training data and test case.
        for test in cold.warm.tests { #expect(cold.warm.train[Int(test.user)] == split.train[Int(test.user)]) }

        let trainer = try TrainerConfiguration(algorithm: .bpr, epochs: 1, clipNorm: 5)
        let config = FederatedSimulation.Configuration(rounds: 2, rank: 4, trainer: trainer, seed: 5)
        let warmRun = try FederatedSimulation(split: cold.warm).run(config)
        for user in held { #expect(warmRun.users[Int(user)] == nil) }
        let outcome = try FederatedSimulation.coldStart(cold, configuration: config, newcomer: trainer, seed: 9)
        #expect(outcome.newcomersTrained == 0)
        #expect(outcome.next.users == held.count)
        #expect(outcome.recent.users == held.count)
        #expect(outcome.full.users == held.count)
        #expect(outcome.warm.users == cold.warm.tests.count)
    }

    @Test("deterministic by seed; the folds partition the eligible users")
    func deterministicFolds() throws {
        let split = try LeaveOneOutSplit(Self.dataset(), negativeCount: 99, seed: 3)
        let a = try ColdStartSplit(split, fold: 2, folds: 4, seed: 8)
        let b = try ColdStartSplit(split, fold: 2, folds: 4, seed: 8)
        #expect(a.newcomers.tests == b.newcomers.tests)
        #expect(a.warm.tests == b.warm.tests)
        let other = try ColdStartSplit(split, fold: 2, folds: 4, seed: 9)
        #expect(Set(other.newcomers.tests.map(\.user)) != Set(a.newcomers.tests.map(\.user)))

        var seen: [Int32] = []
        for fold in 0..<4 { seen += try ColdStartSplit(split, fold: fold, folds: 4, seed: 8).newcomers.tests.map(\.user) }
        #expect(seen.count == 36)
        #expect(Set(seen) == Set((0..<36).map(Int32.init)))
    }

    @Test("bad parameters are refused with invalid-input")
    func badInput() throws {
        let split = try LeaveOneOutSplit(Self.dataset(), negativeCount: 99, seed: 3)
        for (fold, folds, n, negatives) in [(0, 1, 10, 99), (4, 4, 10, 99), (-1, 4, 10, 99), (0, 4, 0, 99), (0, 4, 10, 0), (0, 4, 40, 99), (0, 4, 10, 195)] {
            #expect(throws: HiveError.self) {
                try ColdStartSplit(split, fold: fold, folds: folds, interactions: n, negativeCount: negatives, seed: 1)
            }
        }
    }

    @Test("pooling weights each evaluation by its users")
    func pooled() {
        let a = EvaluationResult(users: 1, hitRate10: 1, ndcg10: 1, recall20: 0, ndcg20: 0)
        let b = EvaluationResult(users: 3, hitRate10: 0, ndcg10: 0.5, recall20: 1, ndcg20: 0)
        let p = EvaluationResult.pooled([a, b])
        #expect(p.users == 4)
        #expect(p.hitRate10 == 0.25)
        #expect(p.ndcg10 == 0.625)
        #expect(p.recall20 == 0.75)
        #expect(EvaluationResult.pooled([]).users == 0)
    }
}
