import HiveCore

/// Restricts ``ReasoningBank/searchPatterns(vector:k:filter:)``. Every set condition must hold.
public struct PatternFilter: Sendable, Hashable {
    /// Minimum posterior mean success rate α / (α + β).
    public var minSuccessRate: Double?
    /// Only this task type.
    public var taskType: Pattern.TaskType?
    /// Only patterns carrying every one of these tags.
    public var tags: [String]
    /// Only this origin.
    public var origin: Pattern.Origin?

    public init(minSuccessRate: Double? = nil, taskType: Pattern.TaskType? = nil, tags: [String] = [], origin: Pattern.Origin? = nil) {
        self.minSuccessRate = minSuccessRate
        self.taskType = taskType
        self.tags = tags
        self.origin = origin
    }

    func validate() throws {
        if let minSuccessRate { try Validation.check(minSuccessRate, in: 0...1, field: "min_success_rate") }
        try Validation.check(tags, maxCount: Validation.Limit.tags, maxBytes: Validation.Limit.tag, field: "filter tags")
    }
}

/// A search result: the pattern and its cosine similarity to the query.
public struct PatternMatch: Sendable, Hashable {
    public var pattern: Pattern
    public var similarity: Float
}

/// The fields of a new pattern; the bank assigns its id and stamp.
public struct PatternDraft: Sendable, Hashable {
    public var taskType: Pattern.TaskType
    public var approach: String
    public var tags: [String]
    public var context: Pattern.Context
    /// Prior evidence: successes + 1 (default 1, i.e. no evidence).
    public var alpha: Double
    /// Prior evidence: failures + 1.
    public var beta: Double
    public var origin: Pattern.Origin
    public var provenance: [String]

    public init(
        taskType: Pattern.TaskType, approach: String, tags: [String] = [], context: Pattern.Context = .init(),
        alpha: Double = 1, beta: Double = 1, origin: Pattern.Origin = .local, provenance: [String] = []
    ) {
        self.taskType = taskType
        self.approach = approach
        self.tags = tags
        self.context = context
        self.alpha = alpha
        self.beta = beta
        self.origin = origin
        self.provenance = provenance
    }

    func pattern(id: String, stamp: HLCTimestamp) throws -> Pattern {
        try Pattern(
            id: id, taskType: taskType, approach: approach, tags: tags, context: context, alpha: alpha, beta: beta,
            origin: origin, provenance: provenance, stamp: stamp)
    }
}
