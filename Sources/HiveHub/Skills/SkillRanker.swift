import HiveCore

/// One ranked skill for `GET /skills`.
public struct RankedSkill: Sendable {
    public var record: SkillRecord
    /// Similarity to the query intent, in [0, 1].
    public var score: Double
}

/// Ranks published skill traces against a query intent.
///
/// A ranker does not rank stored records directly: it makes a ``SkillIndex``, an in-memory index of
/// every published trace's intent (a vector or a word set, computed once per trace), that the hub
/// keeps up to date from the store's feed and searches per `GET /skills`. Only the best `limit`
/// traces are then read back from the store and decoded.
public protocol SkillRanker: Sendable {
    /// "semantic" or "lexical" — reported in every response, so a caller always knows which it got.
    var method: String { get }
    /// A sentence for the response saying what the ranking is based on.
    var note: String { get }
    /// A new, empty index holding at most `capacity` traces (the oldest go first).
    func makeIndex(capacity: Int) -> any SkillIndex
}

extension SkillRanker {
    /// Ranks `candidates` through a throw-away index: skills scoring at least `threshold`, best
    /// first, at most `limit`. For one-off callers and tests; the hub keeps one index instead.
    public func rank(intent: String, candidates: [SkillRecord], threshold: Double, limit: Int) throws -> [RankedSkill] {
        let index = makeIndex(capacity: max(1, candidates.count))
        try index.add(candidates.enumerated().map { SkillIntent(seq: Int64($0.offset) + 1, traceID: $0.element.traceID, intent: $0.element.intent) })
        let byID = Dictionary(candidates.map { ($0.traceID, $0) }, uniquingKeysWith: { first, _ in first })
        return try index.search(intent: intent, threshold: threshold, limit: limit).compactMap { hit in
            byID[hit.traceID].map { RankedSkill(record: $0, score: hit.score) }
        }
    }
}
