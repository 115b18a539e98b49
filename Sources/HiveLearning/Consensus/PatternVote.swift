import HiveCore

/// One twin's pattern offered for consensus: its embedding (what it says) and how well it has
/// worked for that twin (its success rate).
public struct PatternVote: Sendable, Hashable, Codable {
    /// Largest accepted embedding length.
    public static let maxDimensions = 4096

    // Immutable, so a vote validated when built or decoded stays valid.
    /// The pattern's id (unique per twin).
    public let patternID: String
    /// The voting twin; several patterns from one twin in a cluster count as one vote.
    public let twinID: String
    /// The pattern's embedding (any scale; consensus compares directions).
    public let embedding: [Float]
    /// Success rate in [0, 1].
    public let successRate: Double

    enum CodingKeys: String, CodingKey {
        case patternID = "pattern_id"
        case twinID = "twin_id"
        case embedding
        case successRate = "success_rate"
    }

    /// A validated vote; throws as decoding does.
    public init(patternID: String, twinID: String, embedding: [Float], successRate: Double) throws {
        self.patternID = patternID
        self.twinID = twinID
        self.embedding = embedding
        self.successRate = successRate
        try validate()
    }

    /// A vote for a ``HiveCore/Pattern`` (its posterior mean success rate) with its embedding.
    public init(pattern: Pattern, twinID: String, embedding: [Float]) throws {
        try self.init(patternID: pattern.id, twinID: twinID, embedding: embedding, successRate: pattern.successRate)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        patternID = try c.decode(String.self, forKey: .patternID)
        twinID = try c.decode(String.self, forKey: .twinID)
        embedding = try c.decode([Float].self, forKey: .embedding)
        successRate = try c.decode(Double.self, forKey: .successRate)
        try validate()
    }

    /// Checks ids, the embedding (non-empty, bounded, finite, non-zero) and the success rate.
    public func validate() throws {
        try Validation.check(patternID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "pattern_id")
        try Validation.check(twinID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "twin_id")
        try Validation.check(embedding, count: 1...Self.maxDimensions, field: "embedding")
        try Validation.checkFinite(embedding, field: "embedding")
        guard embedding.contains(where: { $0 != 0 }) else {
            throw HiveError(.invalidInput, "embedding of pattern \(patternID) is all zeros; cosine is undefined")
        }
        try Validation.check(successRate, in: 0...1, field: "success_rate")
    }
}
