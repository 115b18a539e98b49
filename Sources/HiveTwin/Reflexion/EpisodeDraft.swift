import HiveCore

/// The fields of a new episode; ``ReflexionMemory`` assigns its id and stamp.
/// `input`, `output` and `critique` are private: they are encrypted at rest.
public struct EpisodeDraft: Sendable, Hashable {
    public var sessionID: String
    public var task: String
    public var input: String
    public var output: String
    /// Engagement-derived reward in [0, 1].
    public var reward: Double
    public var success: Bool
    public var critique: String
    public var latencyMs: Double
    public var tags: [String]

    public init(
        sessionID: String, task: String, input: String, output: String, reward: Double, success: Bool,
        critique: String = "", latencyMs: Double = 0, tags: [String] = []
    ) {
        self.sessionID = sessionID
        self.task = task
        self.input = input
        self.output = output
        self.reward = reward
        self.success = success
        self.critique = critique
        self.latencyMs = latencyMs
        self.tags = tags
    }

    func episode(id: String, stamp: HLCTimestamp) throws -> Episode {
        try Episode(
            id: id, sessionID: sessionID, task: task, input: input, output: output, reward: reward, success: success,
            critique: critique, latencyMs: latencyMs, tags: tags, stamp: stamp)
    }
}

/// Which outcomes ``ReflexionMemory/retrieveRelevant(task:k:minReward:outcome:since:)`` returns.
public enum EpisodeOutcome: Sendable, Hashable {
    case any, successes, failures
}

/// A retrieved episode and the cosine similarity of its task to the query.
public struct EpisodeMatch: Sendable, Hashable {
    public var episode: Episode
    public var similarity: Float
}
