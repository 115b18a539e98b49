import HiveLearning

extension FederatedSimulation {
    /// What one cold-start fold measured (``ColdStartSplit``).
    public struct ColdStartOutcome: Sendable {
        /// Warm users on the leave-one-out protocol, with the vectors they trained over the
        /// rounds on their full histories (the first-10 → next figure is printed against it).
        public var warm: EvaluationResult
        /// Newcomers, a vector fitted on their first N interactions, ranking their next one.
        public var next: EvaluationResult
        /// The same newcomer vectors ranking the newcomers' latest (leave-one-out) item.
        public var latest: EvaluationResult
        /// Same users, same target (their latest item), same model and fit: from the N
        /// interactions just before it, and from their whole history before it. The ratio of the
        /// two isolates "N interactions versus a full history" from target difficulty and drift.
        public var recent: EvaluationResult
        public var full: EvaluationResult
        /// Popularity over the warm users' training data on the same two tasks: how much easier
        /// the (N+1)-th item is than the latest one, with no personalisation at all.
        public var popularityWarm: EvaluationResult
        public var popularityNext: EvaluationResult
        /// Newcomers that got a vector from the federation's run (must be 0: they were held out).
        public var newcomersTrained: Int
    }

    /// Trains the federation of `split.warm` under `configuration` (the newcomers take no part),
    /// then lets each newcomer fit its own vector against the final item factors from its first
    /// N interactions with `newcomer` — or, with `als`, the closed-form ALS solve the federation's
    /// twins use — (the model is not changed), and evaluates both groups.
    public static func coldStart(
        _ split: ColdStartSplit, configuration: Configuration, newcomer: TrainerConfiguration,
        als: WALSConfiguration? = nil, seed: UInt64,
        onRound: (Int, Double) -> Void = { _, _ in }
    ) throws -> ColdStartOutcome {
        let run = try FederatedSimulation(split: split.warm).run(configuration, onRound: onRound)
        let warm = RecommenderEvaluation.evaluate(
            FactorModelScorer(model: run.model, users: run.users), on: split.warm, fullRanking: false)
        let trained = split.newcomers.tests.filter { run.users[Int($0.user)] != nil }.count
        func fit(_ task: LeaveOneOutSplit) throws -> [[Float]?] {
            let simulation = FederatedSimulation(split: task)
            if let als { return try simulation.personaliseALS(model: run.model, histories: task.train, als: als) }
            return try simulation.personalise(model: run.model, histories: task.train, trainer: newcomer, seed: seed)
        }
        let vectors = try fit(split.newcomers)
        let scorer = FactorModelScorer(model: run.model, users: vectors)
        func fitted(_ task: LeaveOneOutSplit) throws -> EvaluationResult {
            let vectors = try fit(task)
            return RecommenderEvaluation.evaluate(
                FactorModelScorer(model: run.model, users: vectors), on: task, fullRanking: false)
        }
        let recent = try fitted(split.newcomersRecent), full = try fitted(split.newcomersFull)
        let popularity = ItemPopularity(train: split.warm.train, itemCount: split.warm.itemCount)
        return ColdStartOutcome(
            warm: warm,
            next: RecommenderEvaluation.evaluate(scorer, on: split.newcomers, fullRanking: false),
            latest: RecommenderEvaluation.evaluate(scorer, on: split.newcomersLatest, fullRanking: false),
            recent: recent, full: full,
            popularityWarm: RecommenderEvaluation.evaluate(popularity, on: split.warm, fullRanking: false),
            popularityNext: RecommenderEvaluation.evaluate(popularity, on: split.newcomers, fullRanking: false),
            newcomersTrained: trained)
    }
}

extension EvaluationResult {
    /// Several evaluations over disjoint users as one: each figure weighted by its user count.
    public static func pooled(_ results: [EvaluationResult]) -> EvaluationResult {
        let users = results.reduce(0) { $0 + $1.users }
        let n = Double(max(users, 1))
        func mean(_ value: KeyPath<EvaluationResult, Double>) -> Double {
            results.reduce(0) { $0 + $1[keyPath: value] * Double($1.users) } / n
        }
        return EvaluationResult(
            users: users, hitRate10: mean(\.hitRate10), ndcg10: mean(\.ndcg10), recall20: mean(\.recall20),
            ndcg20: mean(\.ndcg20))
    }
}
