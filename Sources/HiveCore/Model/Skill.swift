/// A reusable, versioned behaviour distilled from successful episodes (SkillLibrary's record).
public struct Skill: Hashable, Sendable, Codable {
    public var id: String
    /// Unique name; a new version keeps the name and points at its predecessor.
    public var name: String
    public var description: String
    public var version: Int
    /// The id of the version this one replaced.
    public var parentID: String?
    /// Successful uses / uses, in [0, 1].
    public var successRate: Double
    public var uses: Int
    /// Mean reward over uses, in [0, 1].
    public var meanReward: Double
    /// Episode ids the skill was consolidated from.
    public var sourceEpisodeIDs: [String]
    public var stamp: HLCTimestamp

    public init(
        id: String, name: String, description: String, version: Int = 1, parentID: String? = nil,
        successRate: Double = 0, uses: Int = 0, meanReward: Double = 0, sourceEpisodeIDs: [String] = [],
        stamp: HLCTimestamp
    ) throws {
        self.id = id
        self.name = name
        self.description = description
        self.version = version
        self.parentID = parentID
        self.successRate = successRate
        self.uses = uses
        self.meanReward = meanReward
        self.sourceEpisodeIDs = sourceEpisodeIDs
        self.stamp = stamp
        try validate()
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, version, parentID = "parent_id", successRate = "success_rate", uses
        case meanReward = "mean_reward", sourceEpisodeIDs = "source_episode_ids", stamp
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decode(String.self, forKey: .description)
        version = try c.decode(Int.self, forKey: .version)
        parentID = try c.decodeIfPresent(String.self, forKey: .parentID)
        successRate = try c.decode(Double.self, forKey: .successRate)
        uses = try c.decode(Int.self, forKey: .uses)
        meanReward = try c.decode(Double.self, forKey: .meanReward)
        sourceEpisodeIDs = try c.decode([String].self, forKey: .sourceEpisodeIDs)
        stamp = try c.decode(HLCTimestamp.self, forKey: .stamp)
        try validate()
    }

    /// Checks ranges and sizes; the error names the field.
    public func validate() throws {
        try Validation.check(id, maxBytes: Validation.Limit.id, nonEmpty: true, field: "id")
        try Validation.check(name, maxBytes: Validation.Limit.shortText, nonEmpty: true, field: "name")
        try Validation.check(description, maxBytes: Validation.Limit.text, field: "description")
        guard version >= 1 else { throw HiveError(.invalidInput, "version must be ≥ 1, got \(version)") }
        if let parentID { try Validation.check(parentID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "parent_id") }
        try Validation.check(successRate, in: 0...1, field: "success_rate")
        guard uses >= 0 else { throw HiveError(.invalidInput, "uses must be ≥ 0, got \(uses)") }
        try Validation.check(meanReward, in: 0...1, field: "mean_reward")
        try Validation.check(sourceEpisodeIDs, maxCount: 10_000, maxBytes: Validation.Limit.id, field: "source_episode_ids")
    }
}
