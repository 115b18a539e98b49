import HiveCore

/// Per-twin reputation: an exponential moving average of contribution quality.
///
/// Quality comes from aggregation diagnostics (``TwinDiagnostics/quality``) or from how a
/// twin's patterns fared in consensus; the scores weight contributions in later rounds
/// (``weights(for:)``). A value type: the hub keeps it in an actor or store and persists it.
public struct ReputationBook: Sendable, Hashable, Codable {
    public private(set) var configuration: ReputationConfiguration
    /// Known twins' scores.
    public private(set) var scores: [String: Double]

    /// An empty book: every twin starts at the configured initial score.
    public init(configuration: ReputationConfiguration = .standard) {
        self.configuration = configuration
        scores = [:]
    }

    enum CodingKeys: String, CodingKey { case configuration, scores }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        configuration = try c.decode(ReputationConfiguration.self, forKey: .configuration)
        scores = try c.decode([String: Double].self, forKey: .scores)
        for (twin, score) in scores {
            try Validation.check(twin, maxBytes: Validation.Limit.id, nonEmpty: true, field: "scores key")
            try Validation.check(score, in: 0...1, field: "scores[\(twin)]")
        }
    }

    /// The twin's score; the configured initial score for a twin never seen.
    public func score(of twinID: String) -> Double {
        scores[twinID] ?? configuration.initial
    }

    /// Whether the twin's score reaches the trust threshold.
    public func isTrusted(_ twinID: String) -> Bool {
        score(of: twinID) >= configuration.trustThreshold
    }

    /// Folds one quality observation in [0, 1] into the twin's score and returns the new score.
    @discardableResult
    public mutating func record(quality: Double, for twinID: String) throws -> Double {
        try Validation.check(quality, in: 0...1, field: "quality")
        try Validation.check(twinID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "twin id")
        let r = configuration.retention
        let next = r * score(of: twinID) + (1 - r) * quality
        scores[twinID] = next
        return next
    }

    /// Folds a round's diagnostics in, one observation per twin. Validates all first, so a bad
    /// entry changes nothing.
    public mutating func record(_ diagnostics: [TwinDiagnostics]) throws {
        var next = self
        for d in diagnostics { try next.record(quality: d.quality, for: d.twinID) }
        self = next
    }

    /// Contribution weights (the scores) for the given twins.
    public func weights(for twinIDs: some Sequence<String>) -> [String: Double] {
        var out: [String: Double] = [:]
        for id in twinIDs { out[id] = score(of: id) }
        return out
    }
}
