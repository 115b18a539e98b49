/// A learned behaviour or preference (the seed's ExogenesisPattern), stored in the
/// ReasoningBank and offered to the hub for consensus.
///
/// Success is tracked as Beta(α, β) evidence (successes + 1, failures + 1) rather than a
/// running mean, so a pattern seen twice is not as certain as one seen two hundred times.
public struct Pattern: Hashable, Sendable, Codable {
    /// The seed's task types.
    public enum TaskType: String, Sendable, Codable, CaseIterable {
        case preference, recommendation, discovery, behavior
    }

    /// Where the pattern came from.
    public enum Origin: String, Sendable, Codable {
        case local, global
    }

    /// The context the pattern applies in (the seed's genre, mood, timeOfDay, watchHistory).
    public struct Context: Hashable, Sendable, Codable {
        public var genres: [String]
        public var mood: String?
        public var timeOfDay: String?
        public var watchHistory: [String]

        public init(genres: [String] = [], mood: String? = nil, timeOfDay: String? = nil, watchHistory: [String] = []) {
            self.genres = genres
            self.mood = mood
            self.timeOfDay = timeOfDay
            self.watchHistory = watchHistory
        }

        enum CodingKeys: String, CodingKey {
            case genres, mood, timeOfDay = "time_of_day", watchHistory = "watch_history"
        }

        func validate() throws {
            try Validation.check(genres, maxCount: Validation.Limit.tags, maxBytes: Validation.Limit.tag, field: "context.genres")
            if let mood { try Validation.check(mood, maxBytes: Validation.Limit.tag, field: "context.mood") }
            if let timeOfDay { try Validation.check(timeOfDay, maxBytes: Validation.Limit.tag, field: "context.time_of_day") }
            try Validation.check(watchHistory, maxCount: 256, maxBytes: Validation.Limit.id, field: "context.watch_history")
        }
    }

    public var id: String
    public var taskType: TaskType
    /// The approach in words, e.g. "Similar to recent 5-star rated content"; embedded for search.
    public var approach: String
    public var tags: [String]
    public var context: Context
    /// Beta evidence: successes + 1.
    public var alpha: Double
    /// Beta evidence: failures + 1.
    public var beta: Double
    public var origin: Origin
    /// Ids of the episodes or patterns this came from.
    public var provenance: [String]
    public var stamp: HLCTimestamp

    /// Posterior mean success rate α / (α + β).
    public var successRate: Double { alpha / (alpha + beta) }
    /// Number of observed outcomes.
    public var observations: Double { alpha + beta - 2 }

    public init(
        id: String, taskType: TaskType, approach: String, tags: [String] = [], context: Context = Context(),
        alpha: Double = 1, beta: Double = 1, origin: Origin = .local, provenance: [String] = [], stamp: HLCTimestamp
    ) throws {
        self.id = id
        self.taskType = taskType
        self.approach = approach
        self.tags = tags
        self.context = context
        self.alpha = alpha
        self.beta = beta
        self.origin = origin
        self.provenance = provenance
        self.stamp = stamp
        try validate()
    }

    enum CodingKeys: String, CodingKey {
        case id, taskType = "task_type", approach, tags, context, alpha, beta, origin, provenance, stamp
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        taskType = try c.decode(TaskType.self, forKey: .taskType)
        approach = try c.decode(String.self, forKey: .approach)
        tags = try c.decode([String].self, forKey: .tags)
        context = try c.decode(Context.self, forKey: .context)
        alpha = try c.decode(Double.self, forKey: .alpha)
        beta = try c.decode(Double.self, forKey: .beta)
        origin = try c.decode(Origin.self, forKey: .origin)
        provenance = try c.decode([String].self, forKey: .provenance)
        stamp = try c.decode(HLCTimestamp.self, forKey: .stamp)
        try validate()
    }

    /// Checks ranges and sizes; the error names the field.
    public func validate() throws {
        try Validation.check(id, maxBytes: Validation.Limit.id, nonEmpty: true, field: "id")
        try Validation.check(approach, maxBytes: Validation.Limit.text, nonEmpty: true, field: "approach")
        try Validation.check(tags, maxCount: Validation.Limit.tags, maxBytes: Validation.Limit.tag, field: "tags")
        try context.validate()
        try Validation.check(alpha, in: 1...1e12, field: "alpha")
        try Validation.check(beta, in: 1...1e12, field: "beta")
        try Validation.check(provenance, maxCount: 1024, maxBytes: Validation.Limit.id, field: "provenance")
    }
}
