import Foundation
import HiveCore

/// A skills library both servers are pre-loaded with before a timed phase, and the intents the
/// timed phase publishes and searches.
///
/// Trace `i` (0 ≤ i < ``size``) has id `lib-RUN-i`, is published by twin `i mod twins` and has
/// intent ``intent(_:)`` of `i mod intents`. An intent is one of the load generator's 240 phrases
/// plus three words of its own, so two different intents share at most the phrase: their word-set
/// Jaccard similarity stays ≤ 7/13 (< the anchor's 0.7) and a search for an intent's exact text
/// matches exactly the traces carrying it, on both servers. The expected answer of every search is
/// therefore known, and the load generator checks it.
public struct SkillLibrary: Sendable, Hashable, Codable {
    /// Traces loaded before the timed phase.
    public var size: Int
    /// Distinct intents (the timed phase's queries and publishes draw from them too).
    public var intents: Int
    /// Identifies the traces of one bench run.
    public var runID: String

    public init(size: Int, intents: Int, runID: String) {
        self.size = max(0, size)
        self.intents = max(1, intents)
        self.runID = runID
    }

    static let letters = Array("bcdfghjklmnpqrstvwxz")

    /// Intent number `k`: a phrase and three words no other intent has.
    public static func intent(_ k: Int) -> String {
        let phrase = LoadRequestFactory.intent(UInt64(k))
        let words = (0..<3).map { part in word(k * 3 + part) }
        return phrase + " " + words.joined(separator: " ")
    }

    /// A pronounceable-ish word for `n` (distinct n, distinct word).
    static func word(_ n: Int) -> String {
        var value = n
        var text = "q"
        repeat {
            text.append(letters[value % letters.count])
            text.append(["a", "e", "i", "o", "u"][(value / letters.count) % 5])
            value /= letters.count * 5
        } while value > 0
        return text
    }

    public func intent(ofTrace index: Int) -> String { Self.intent(index % intents) }

    public func traceID(_ index: Int) -> String { "lib-\(runID)-\(index)" }

    /// Ids of the pre-loaded traces with intent `k`, oldest index first.
    public func traces(withIntent k: Int) -> [String] {
        guard k >= 0, k < intents else { return [] }
        return stride(from: k, to: size, by: intents).map(traceID)
    }

    /// The trace a library index stands for, published by `twin`.
    public func trace(_ index: Int, twin: LoadTwin) throws -> SkillTrace {
        try SkillTrace(
            traceID: traceID(index), intent: intent(ofTrace: index),
            reasoningPath: [
                .init(step: 1, action: "collect the user's recent choices"), .init(step: 2, action: "filter by the stated constraint"),
                .init(step: 3, action: "rank the candidates by fit"),
            ],
            result: "a ranked list of five suggestions", confidence: 0.9, verificationScore: 0.95,
            createdAt: ISO8601.format(Date()), instanceID: twin.twinID, signature: "")
    }
}
