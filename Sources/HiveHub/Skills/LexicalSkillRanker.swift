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

    public func makeIndex(capacity: Int) -> any SkillIndex {
        LexicalSkillIndex(capacity: capacity)
    }
}
