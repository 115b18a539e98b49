import HiveCore

/// Parameters of the reputation EMA (defaults from the Hive federation design's
/// ReputationManager): new = retention·old + (1 − retention)·quality.
public struct ReputationConfiguration: Sendable, Hashable, Codable {
    /// Weight of the old score, in [0, 1). Default 0.9.
    public var retention: Double
    /// Score of a twin never seen before. Default 0.5 (neutral).
    public var initial: Double
    /// Score at or above which a twin is trusted. Default 0.8.
    public var trustThreshold: Double

    enum CodingKeys: String, CodingKey {
        case retention, initial
        case trustThreshold = "trust_threshold"
    }

    /// Validated parameters (defaults 0.9 / 0.5 / 0.8).
    public init(retention: Double = 0.9, initial: Double = 0.5, trustThreshold: Double = 0.8) throws {
        self.retention = retention
        self.initial = initial
        self.trustThreshold = trustThreshold
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        retention = try c.decode(Double.self, forKey: .retention)
        initial = try c.decode(Double.self, forKey: .initial)
        trustThreshold = try c.decode(Double.self, forKey: .trustThreshold)
        try validate()
    }

    /// Throws `invalid-input` unless retention ∈ [0, 1) and the scores are in [0, 1].
    public func validate() throws {
        guard retention.isFinite, retention >= 0, retention < 1 else {
            throw HiveError(.invalidInput, "retention must be in [0, 1), got \(retention)")
        }
        try Validation.check(initial, in: 0...1, field: "initial")
        try Validation.check(trustThreshold, in: 0...1, field: "trust_threshold")
    }

    /// The defaults (0.9 / 0.5 / 0.8).
    public static let standard = ReputationConfiguration(uncheckedRetention: 0.9, initial: 0.5, trustThreshold: 0.8)

    private init(uncheckedRetention: Double, initial: Double, trustThreshold: Double) {
        retention = uncheckedRetention
        self.initial = initial
        self.trustThreshold = trustThreshold
    }
}
