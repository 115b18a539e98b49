/// A shareable skill trace in the `federation_trace_v1` shape of the Hive federation design.
///
/// Keys on the wire are snake_case exactly as in the design:
/// `trace_id, intent, reasoning_path [{step, action}], result, confidence,
/// verification_score, lineage, created_at, instance_id, signature`.
/// Decoding validates every field and names the first bad one.
public struct SkillTrace: Hashable, Sendable, Codable {
    /// One step of the reasoning path.
    public struct Step: Hashable, Sendable, Codable {
        public var step: Int
        public var action: String
        public init(step: Int, action: String) {
            self.step = step
            self.action = action
        }
    }

    public var traceID: String
    public var intent: String
    public var reasoningPath: [Step]
    public var result: String
    /// The author's confidence, in [0, 1].
    public var confidence: Double
    /// How well the trace verified, in [0, 1].
    public var verificationScore: Double
    /// Parent trace ids.
    public var lineage: [String]
    /// ISO 8601 creation time, as the design carries it.
    public var createdAt: String
    public var instanceID: String
    /// The design's signature field (e.g. "ed25519:<hex>"); Hive's real authentication is the
    /// enclosing ``SignedEnvelope``.
    public var signature: String

    /// Size limits.
    public enum Limits {
        public static let intentBytes = 4096
        public static let resultBytes = 256 * 1024
        public static let steps = 256
        public static let lineage = 64
    }

    enum CodingKeys: String, CodingKey {
        case traceID = "trace_id"
        case intent
        case reasoningPath = "reasoning_path"
        case result, confidence
        case verificationScore = "verification_score"
        case lineage
        case createdAt = "created_at"
        case instanceID = "instance_id"
        case signature
    }

    public init(
        traceID: String, intent: String, reasoningPath: [Step], result: String, confidence: Double,
        verificationScore: Double, lineage: [String] = [], createdAt: String, instanceID: String, signature: String = ""
    ) throws {
        self.traceID = traceID
        self.intent = intent
        self.reasoningPath = reasoningPath
        self.result = result
        self.confidence = confidence
        self.verificationScore = verificationScore
        self.lineage = lineage
        self.createdAt = createdAt
        self.instanceID = instanceID
        self.signature = signature
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        traceID = try c.validated(String.self, forKey: .traceID) {
            try Validation.check($0, maxBytes: Validation.Limit.id, nonEmpty: true, field: "trace_id")
        }
        intent = try c.validated(String.self, forKey: .intent) {
            try Validation.check($0, maxBytes: Limits.intentBytes, nonEmpty: true, field: "intent")
        }
        reasoningPath = try c.validated([Step].self, forKey: .reasoningPath) {
            try Validation.check($0, count: 1...Limits.steps, field: "reasoning_path")
            for (index, step) in $0.enumerated() {
                guard step.step >= 1 else { throw HiveError(.invalidInput, "reasoning_path[\(index)].step must be ≥ 1") }
                try Validation.check(step.action, maxBytes: Validation.Limit.shortText, nonEmpty: true,
                                     field: "reasoning_path[\(index)].action")
            }
        }
        result = try c.validated(String.self, forKey: .result) {
            try Validation.check($0, maxBytes: Limits.resultBytes, field: "result")
        }
        confidence = try c.validated(Double.self, forKey: .confidence) {
            try Validation.check($0, in: 0...1, field: "confidence")
        }
        verificationScore = try c.validated(Double.self, forKey: .verificationScore) {
            try Validation.check($0, in: 0...1, field: "verification_score")
        }
        lineage = try c.validated([String].self, forKey: .lineage) {
            try Validation.check($0, maxCount: Limits.lineage, maxBytes: Validation.Limit.id, field: "lineage")
        }
        createdAt = try c.validated(String.self, forKey: .createdAt) {
            guard ISO8601.isValid($0) else {
                throw HiveError(.invalidInput, "created_at must be an ISO 8601 date-time, got \($0.prefix(40))")
            }
        }
        instanceID = try c.validated(String.self, forKey: .instanceID) {
            try Validation.check($0, maxBytes: Validation.Limit.id, nonEmpty: true, field: "instance_id")
        }
        signature = try c.validated(String.self, forKey: .signature) {
            try Validation.check($0, maxBytes: 512, field: "signature")
        }
    }

    /// Re-checks every field (for values built in code).
    public func validate() throws {
        try Validation.check(traceID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "trace_id")
        try Validation.check(intent, maxBytes: Limits.intentBytes, nonEmpty: true, field: "intent")
        try Validation.check(reasoningPath, count: 1...Limits.steps, field: "reasoning_path")
        try Validation.check(result, maxBytes: Limits.resultBytes, field: "result")
        try Validation.check(confidence, in: 0...1, field: "confidence")
        try Validation.check(verificationScore, in: 0...1, field: "verification_score")
        try Validation.check(lineage, maxCount: Limits.lineage, maxBytes: Validation.Limit.id, field: "lineage")
        guard ISO8601.isValid(createdAt) else { throw HiveError(.invalidInput, "created_at must be ISO 8601") }
        try Validation.check(instanceID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "instance_id")
    }
}
