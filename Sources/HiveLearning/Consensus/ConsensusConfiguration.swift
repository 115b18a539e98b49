import HiveCore

/// Consensus parameters (defaults from the Exogenesis Omega design: cluster at cosine ≥ 0.8,
/// at least 3 voters, at least 66 % agreement).
public struct ConsensusConfiguration: Sendable, Hashable, Codable {
    /// Cosine similarity at or above which a pattern joins a cluster. Default 0.8.
    public var similarityThreshold: Double
    /// Fewest distinct twins a cluster needs. Default 3.
    public var minimumVoters: Int
    /// Smallest reputation-weighted success a cluster needs. Default 0.66.
    public var agreementThreshold: Double

    enum CodingKeys: String, CodingKey {
        case similarityThreshold = "similarity_threshold"
        case minimumVoters = "minimum_voters"
        case agreementThreshold = "agreement_threshold"
    }

    /// Validated thresholds (defaults 0.8 / 3 / 0.66).
    public init(similarityThreshold: Double = 0.8, minimumVoters: Int = 3, agreementThreshold: Double = 0.66) throws {
        self.similarityThreshold = similarityThreshold
        self.minimumVoters = minimumVoters
        self.agreementThreshold = agreementThreshold
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        similarityThreshold = try c.decode(Double.self, forKey: .similarityThreshold)
        minimumVoters = try c.decode(Int.self, forKey: .minimumVoters)
        agreementThreshold = try c.decode(Double.self, forKey: .agreementThreshold)
        try validate()
    }

    /// Throws `invalid-input` for thresholds out of range.
    public func validate() throws {
        try Validation.check(similarityThreshold, in: -1...1, field: "similarity_threshold")
        guard minimumVoters >= 1 else {
            throw HiveError(.invalidInput, "minimum_voters must be ≥ 1, got \(minimumVoters)")
        }
        try Validation.check(agreementThreshold, in: 0...1, field: "agreement_threshold")
    }

    /// The defaults (0.8 / 3 / 0.66).
    public static var standard: ConsensusConfiguration {
        // The defaults are in range, so this cannot throw.
        (try? ConsensusConfiguration()) ?? ConsensusConfiguration(unchecked: ())
    }

    private init(unchecked: Void) {
        similarityThreshold = 0.8
        minimumVoters = 3
        agreementThreshold = 0.66
    }
}
