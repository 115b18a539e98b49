import Foundation
import HiveCore
import Testing
@testable import HiveEvaluation

@Suite("Leave-one-out protocol and metrics")
struct ProtocolTests {
    static func dataset() throws -> InteractionDataset {
        // user 1: items 1..30 at times 1..30 (latest: 30); user 2: two items; user 3: one item (skipped).
        var ratings = ""
        for item in 1...30 { ratings += "1\t\(item)\t4\t\(item)\n" }
        ratings += "2\t5\t3\t10\n2\t7\t3\t5\n2\t5\t5\t1\n"  // repeated item 5 counts once, at its latest time
        ratings += "3\t9\t2\t1\n"
        return try MovieLens.load(directory: try writeML100K(ratings: ratings))
    }

    @Test("the held-out item is the latest; negatives were never interacted with; users with < 2 items are skipped")
    func splitCorrect() throws {
        let data = try Self.dataset()
        let split = try LeaveOneOutSplit(data, negativeCount: 99, seed: 7)
        #expect(split.skippedUsers == 1)
        #expect(split.tests.count == 2)
        for test in split.tests {
            let interacted = Set(data.interactions.filter { $0.user == test.user }.map(\.item))
            #expect(Set(test.negatives).isDisjoint(with: interacted))
            #expect(Set(test.negatives).count == 99)
            let latest = data.interactions.filter { $0.user == test.user }.max { ($0.timestamp, $0.item) < ($1.timestamp, $1.item) }!
            #expect(test.heldOut == latest.item)
            #expect(!split.train[Int(test.user)].contains(test.heldOut))
        }
        let user2 = try #require(split.tests.first { data.userIDs[Int($0.user)] == "2" })
        #expect(data.items[Int(user2.heldOut)].externalID == "5")  // item 5's latest time (10) beats item 7 (5)
    }

    @Test("the split is deterministic by seed and changes with it")
    func deterministic() throws {
        let data = try Self.dataset()
        let a = try LeaveOneOutSplit(data, seed: 1)
        let b = try LeaveOneOutSplit(data, seed: 1)
        let c = try LeaveOneOutSplit(data, seed: 2)
        #expect(a.tests == b.tests)
        #expect(a.tests != c.tests)
    }

    @Test("HR and NDCG on hand-computed cases")
    func metrics() {
        #expect(RankingMetrics.rank(positive: 0.9, negatives: [0.1, 0.95, 0.5]) == 1)
        #expect(RankingMetrics.rank(positive: 0.5, negatives: [0.5, 0.5, 0.7]) == 2)  // ties count half
        #expect(RankingMetrics.rank(positive: .nan, negatives: [0.1]) == .infinity)
        #expect(RankingMetrics.rank(positive: 0.5, negatives: [Float.nan]) == 1)
        #expect(RankingMetrics.hit(rank: 9, k: 10) == 1)
        #expect(RankingMetrics.hit(rank: 10, k: 10) == 0)
        #expect(RankingMetrics.ndcg(rank: 0, k: 10) == 1)
        #expect(abs(RankingMetrics.ndcg(rank: 1, k: 10) - 1 / log2(3.0)) < 1e-12)
        #expect(abs(RankingMetrics.ndcg(rank: 2, k: 10) - 0.5) < 1e-12)
        #expect(RankingMetrics.ndcg(rank: 10, k: 10) == 0)
    }

    struct Oracle: ItemScorer {
        let split: LeaveOneOutSplit
        func scores(user: Int32, items: [Int32]) -> [Float] {
            let heldOut = split.tests.first { $0.user == user }!.heldOut
            return items.map { $0 == heldOut ? 1 : 0 }
        }
    }

    struct Constant: ItemScorer {
        func scores(user: Int32, items: [Int32]) -> [Float] { items.map { _ in 0 } }
    }

    @Test("an oracle scores 1 everywhere; a constant scorer lands mid-list (expected rank under ties)")
    func evaluation() throws {
        let split = try LeaveOneOutSplit(try Self.dataset(), seed: 3)
        let oracle = RecommenderEvaluation.evaluate(Oracle(split: split), on: split)
        #expect(oracle.hitRate10 == 1 && oracle.ndcg10 == 1 && oracle.recall20 == 1 && oracle.ndcg20 == 1)
        let constant = RecommenderEvaluation.evaluate(Constant(), on: split)
        #expect(constant.hitRate10 == 0 && constant.recall20 == 0)
    }
}
