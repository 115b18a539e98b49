import Foundation
import HiveCore

/// The explicit fallback when no embedding model is installed: cosine similarity of the sets of
/// words (lowercased letters and digits) in the query and each trace's intent. It finds traces
/// sharing words with the query and nothing else — responses say `method: lexical`.
public struct LexicalSkillRanker: SkillRanker {
    public let method = "lexical"
    public let note = "no embedding model is installed; ranked by word overlap between intents (cosine of word sets)"

    public init() {}

    /// Lowercased alphanumeric words.
    static func words(_ text: String) -> Set<String> {
        var result = Set<String>()
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                result.insert(current)
                current = ""
            }
        }
        if !current.isEmpty { result.insert(current) }
        return result
    }

    static func similarity(_ a: Set<String>, _ b: Set<String>) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        return Double(a.intersection(b).count) / (Double(a.count) * Double(b.count)).squareRoot()
    }

    public func rank(intent: String, candidates: [SkillRecord], threshold: Double, limit: Int) throws -> [RankedSkill] {
        let query = Self.words(intent)
        guard !query.isEmpty else { throw HiveError(.invalidInput, "intent has no words to match") }
        var ranked: [RankedSkill] = []
        for candidate in candidates {
            let score = Self.similarity(query, Self.words(candidate.intent))
            if score > 0, score >= threshold { ranked.append(RankedSkill(record: candidate, score: score)) }
        }
        ranked.sort { left, right in
            left.score != right.score ? left.score > right.score : left.record.traceID < right.record.traceID
        }
        return Array(ranked.prefix(limit))
    }
}
