import Foundation
import HiveEmbeddings
import HiveHub

/// The engines linked into this build of `hive serve`.
enum HubEngines {
    /// nil until HiveLearning's rules are wrapped as an `AggregationEngine`: rounds then answer 503.
    static let aggregation: (any AggregationEngine)? = nil

    /// Semantic skill search over MiniLM when the model is installed; otherwise the explicit
    /// lexical ranker (responses say `method: lexical`). Returns the ranker and why it was chosen.
    static func skillRanker() -> (ranker: any SkillRanker, reason: String) {
        do {
            let embedder = try MiniLMEmbedder()
            return (SemanticSkillRanker(embedder: EmbedderAdapter(embedder: embedder)), embedder.modelID)
        } catch {
            return (LexicalSkillRanker(), "no MiniLM model (\(error.message.prefix(120))…)")
        }
    }
}

/// HiveEmbeddings' `Embedder` seen through the hub's narrow `SkillEmbedder` protocol.
struct EmbedderAdapter: SkillEmbedder {
    let embedder: any Embedder
    var modelID: String { embedder.modelID }
    func embed(_ texts: [String]) -> [[Float]] { embedder.embed(texts) }
}
