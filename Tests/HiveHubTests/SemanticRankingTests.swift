import HiveCore
import HiveEmbeddings
import Testing

@testable import HiveHub

/// SemanticSkillRanker with a real embedder from HiveEmbeddings (the hashing embedder: explicit,
/// deterministic, no model download), so ordering, threshold and caching are checked end to end.
@Suite("Semantic skill ranking")
struct SemanticRankingTests {
    struct Adapter: SkillEmbedder {
        let embedder: any Embedder
        var modelID: String { embedder.modelID }
        func embed(_ texts: [String]) -> [[Float]] { embedder.embed(texts) }
    }

    func record(_ id: String, _ intent: String) throws -> SkillRecord {
        let key = NodeIdentity.generate()
        let trace = try Fixture.trace(id: id, intent: intent, instance: "twin")
        let envelope = try SignedEnvelope.sign(
            trace, kind: .skillTrace, stamp: HLCTimestamp(physicalMs: 1, logical: 0, nodeID: key.nodeID), identity: key)
        return SkillRecord(traceID: id, twinID: "twin", intent: intent, envelope: envelope, trace: trace, createdAt: 0)
    }

    @Test("closest intent first, unrelated intents below the threshold, scores in [0, 1]")
    func ranking() throws {
        let ranker = SemanticSkillRanker(embedder: Adapter(embedder: try HashingEmbedder()))
        #expect(ranker.method == "semantic")
        let candidates = [
            try record("sink", "repair the leaking kitchen sink"),
            try record("comedy", "recommend a comedy film for a rainy evening"),
            try record("thriller", "recommend a thriller series"),
        ]
        let ranked = try ranker.rank(intent: "a comedy film for this evening", candidates: candidates, threshold: 0.2, limit: 10)
        #expect(ranked.first?.record.traceID == "comedy")
        #expect(!ranked.contains { $0.record.traceID == "sink" })
        #expect(ranked.allSatisfy { (0...1).contains($0.score) })
        // Cached embeddings give the same answer.
        let again = try ranker.rank(intent: "a comedy film for this evening", candidates: candidates, threshold: 0.2, limit: 10)
        #expect(again.map(\.record.traceID) == ranked.map(\.record.traceID))
        #expect(try ranker.rank(intent: "a comedy film", candidates: candidates, threshold: 0.2, limit: 1).count == 1)
    }
}
