/// A pattern the hub consolidated from several twins' contributions by consensus, as it is
/// distributed to twins.
public struct ConsolidatedPattern: Hashable, Sendable, Codable {
    /// Distribution priority (the seed's high | medium | low).
    public enum Priority: String, Hashable, Sendable, Codable, CaseIterable {
        case high, medium, low
    }

    /// Stable id of the consolidated pattern (the cluster id).
    public var id: String
    /// The representative pattern, with `origin` global.
    public var pattern: Pattern
    public var priority: Priority
    /// Distinct twins that voted for it.
    public var voters: Int
    /// Reputation-weighted share of votes in favour, in [0, 1].
    public var agreement: Double
    /// Quality score used for pruning and ordering, in [0, 1].
    public var quality: Double
    /// The aggregation round that produced it.
    public var round: Int64

    public init(
        id: String, pattern: Pattern, priority: Priority, voters: Int, agreement: Double, quality: Double, round: Int64
    ) throws {
        self.id = id
        self.pattern = pattern
        self.priority = priority
        self.voters = voters
        self.agreement = agreement
        self.quality = quality
        self.round = round
        try validate()
    }

    /// Checks ranges; the error names the field.
    public func validate() throws {
        try Validation.check(id, maxBytes: Validation.Limit.id, nonEmpty: true, field: "id")
        try pattern.validate()
        guard voters >= 0 else { throw HiveError(.invalidInput, "voters must be ≥ 0, got \(voters)") }
        try Validation.check(agreement, in: 0...1, field: "agreement")
        try Validation.check(quality, in: 0...1, field: "quality")
        guard round >= 0 else { throw HiveError(.invalidInput, "round must be ≥ 0, got \(round)") }
    }

    enum CodingKeys: String, CodingKey {
        case id, pattern, priority, voters, agreement, quality, round
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        pattern = try c.decode(Pattern.self, forKey: .pattern)
        priority = try c.decode(Priority.self, forKey: .priority)
        voters = try c.decode(Int.self, forKey: .voters)
        agreement = try c.decode(Double.self, forKey: .agreement)
        quality = try c.decode(Double.self, forKey: .quality)
        round = try c.decode(Int64.self, forKey: .round)
        do {
            try validate()
        } catch let error as HiveError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: c.codingPath, debugDescription: error.message, underlyingError: error))
        }
    }
}
