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
    /// Provenance: ids of the distinct twins whose votes formed the cluster, sorted (at most
    /// ``maxContributors``). The pattern's own `provenance` lists the contributing envelope ids.
    /// Absent in records written before it existed (decodes as empty).
    public var contributors: [String]

    /// Most contributor ids one record keeps.
    public static let maxContributors = 1024

    public init(
        id: String, pattern: Pattern, priority: Priority, voters: Int, agreement: Double, quality: Double, round: Int64,
        contributors: [String] = []
    ) throws {
        self.id = id
        self.pattern = pattern
        self.priority = priority
        self.voters = voters
        self.agreement = agreement
        self.quality = quality
        self.round = round
        self.contributors = contributors
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
        try Validation.check(
            contributors, maxCount: Self.maxContributors, maxBytes: Validation.Limit.id, field: "contributors")
        guard contributors.count <= max(voters, 0) else {
            throw HiveError(.invalidInput, "contributors (\(contributors.count)) must not outnumber voters (\(voters))")
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, pattern, priority, voters, agreement, quality, round, contributors
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
        contributors = try c.decodeIfPresent([String].self, forKey: .contributors) ?? []
        do {
            try validate()
        } catch let error as HiveError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: c.codingPath, debugDescription: error.message, underlyingError: error))
        }
    }
}
