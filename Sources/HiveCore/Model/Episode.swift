/// One attempt at a task with its outcome and self-critique (ReflexionMemory's record).
public struct Episode: Hashable, Sendable, Codable {
    /// Globally unique id (twin id + sequence, or any unique string).
    public var id: String
    public var sessionID: String
    /// What was attempted, e.g. "media_selection".
    public var task: String
    /// Private: what the twin saw (encrypted at rest on the twin).
    public var input: String
    /// Private: what the twin did.
    public var output: String
    /// Engagement-derived reward in [0, 1].
    public var reward: Double
    public var success: Bool
    /// Private: the self-critique.
    public var critique: String
    public var latencyMs: Double
    public var tags: [String]
    public var stamp: HLCTimestamp

    public enum Limits {
        public static let textBytes = 64 * 1024
    }

    public init(
        id: String, sessionID: String, task: String, input: String, output: String, reward: Double,
        success: Bool, critique: String, latencyMs: Double, tags: [String], stamp: HLCTimestamp
    ) throws {
        self.id = id
        self.sessionID = sessionID
        self.task = task
        self.input = input
        self.output = output
        self.reward = reward
        self.success = success
        self.critique = critique
        self.latencyMs = latencyMs
        self.tags = tags
        self.stamp = stamp
        try validate()
    }

    enum CodingKeys: String, CodingKey {
        case id, sessionID = "session_id", task, input, output, reward, success, critique
        case latencyMs = "latency_ms", tags, stamp
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        sessionID = try c.decode(String.self, forKey: .sessionID)
        task = try c.decode(String.self, forKey: .task)
        input = try c.decode(String.self, forKey: .input)
        output = try c.decode(String.self, forKey: .output)
        reward = try c.decode(Double.self, forKey: .reward)
        success = try c.decode(Bool.self, forKey: .success)
        critique = try c.decode(String.self, forKey: .critique)
        latencyMs = try c.decode(Double.self, forKey: .latencyMs)
        tags = try c.decode([String].self, forKey: .tags)
        stamp = try c.decode(HLCTimestamp.self, forKey: .stamp)
        try validate()
    }

    /// Checks ranges and sizes; the error names the field.
    public func validate() throws {
        try Validation.check(id, maxBytes: Validation.Limit.id, nonEmpty: true, field: "id")
        try Validation.check(sessionID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "session_id")
        try Validation.check(task, maxBytes: Validation.Limit.shortText, nonEmpty: true, field: "task")
        try Validation.check(input, maxBytes: Limits.textBytes, field: "input")
        try Validation.check(output, maxBytes: Limits.textBytes, field: "output")
        try Validation.check(critique, maxBytes: Limits.textBytes, field: "critique")
        try Validation.check(reward, in: 0...1, field: "reward")
        try Validation.check(latencyMs, in: 0...(86_400_000.0 * 365), field: "latency_ms")
        try Validation.check(tags, maxCount: Validation.Limit.tags, maxBytes: Validation.Limit.tag, field: "tags")
    }
}
