/// Something that scores items for a user: the systems compared by `hive bench recsys`.
public protocol ItemScorer: Sendable {
    /// Scores for `items` for `user` (same order). Higher is better.
    func scores(user: Int32, items: [Int32]) -> [Float]
}

/// HR@10 / NDCG@10 on the sampled protocol and Recall@20 / NDCG@20 on full ranking.
public struct EvaluationResult: Sendable, Hashable, Codable {
    public var users: Int
    public var hitRate10: Double
    public var ndcg10: Double
    public var recall20: Double
    public var ndcg20: Double
}

/// Runs the leave-one-out protocol for any ``ItemScorer``.
public enum RecommenderEvaluation {
    /// Evaluates `scorer` on `split`. Full ranking excludes each user's training items.
    /// `users` restricts the evaluation to a subset (nil = all test users).
    /// `excluding` leaves users out (the attackers in a poisoning run: only honest users count).
    public static func evaluate(
        _ scorer: some ItemScorer, on split: LeaveOneOutSplit, fullRanking: Bool = true, excluding: Set<Int32> = []
    ) -> EvaluationResult {
        var hr10 = 0.0, ndcg10 = 0.0, recall20 = 0.0, ndcg20 = 0.0
        let allItems = (0..<Int32(split.itemCount)).map { $0 }
        var evaluated = 0
        for test in split.tests where !excluding.contains(test.user) {
            evaluated += 1
            let candidates = [test.heldOut] + test.negatives
            let sampled = scorer.scores(user: test.user, items: candidates)
            let rank = RankingMetrics.rank(positive: sampled[0], negatives: sampled.dropFirst())
            hr10 += RankingMetrics.hit(rank: rank, k: 10)
            ndcg10 += RankingMetrics.ndcg(rank: rank, k: 10)
            if fullRanking {
                var all = scorer.scores(user: test.user, items: allItems)
                let positive = all[Int(test.heldOut)]
                // Training items and the held-out item itself are not competitors: drop them (swap-remove).
                var excluded = split.train[Int(test.user)].map(Int.init)
                excluded.append(Int(test.heldOut))
                for index in excluded.sorted(by: >) { all.swapAt(index, all.count - 1); all.removeLast() }
                let fullRank = RankingMetrics.rank(positive: positive, negatives: all)
                recall20 += RankingMetrics.hit(rank: fullRank, k: 20)
                ndcg20 += RankingMetrics.ndcg(rank: fullRank, k: 20)
            }
        }
        let n = Double(max(evaluated, 1))
        return EvaluationResult(
            users: evaluated, hitRate10: hr10 / n, ndcg10: ndcg10 / n, recall20: recall20 / n, ndcg20: ndcg20 / n)
    }
}

/// The popularity baseline: items ranked by how many users interacted with them in training.
public struct ItemPopularity: ItemScorer {
    public let counts: [Float]

    public init(train: [[Int32]], itemCount: Int) {
        var counts = [Float](repeating: 0, count: itemCount)
        for items in train { for item in items { counts[Int(item)] += 1 } }
        self.counts = counts
    }

    public func scores(user: Int32, items: [Int32]) -> [Float] { items.map { counts[Int($0)] } }
}
