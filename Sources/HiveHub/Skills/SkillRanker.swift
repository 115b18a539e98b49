import HiveCore

/// One ranked skill for `GET /skills`.
public struct RankedSkill: Sendable {
    public var record: SkillRecord
    /// Similarity to the query intent, in [0, 1].
    public var score: Double
}

/// Ranks published skill traces against a query intent.
public protocol SkillRanker: Sendable {
    /// "semantic" or "lexical" — reported in every response, so a caller always knows which it got.
    var method: String { get }
    /// A sentence for the response saying what the ranking is based on.
    var note: String { get }
    /// Skills scoring at least `threshold`, best first, at most `limit`.
    func rank(intent: String, candidates: [SkillRecord], threshold: Double, limit: Int) throws -> [RankedSkill]
}
