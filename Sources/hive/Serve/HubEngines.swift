import Foundation
import HiveEmbeddings
import HiveHub

/// The engines linked into this build of `hive serve`.
enum HubEngines {
    /// HiveLearning's engine with the configured rule, combination, reputation and model shape
    /// (`--aggregation-rule`, `--row-combination`, `--agreement-reputation`, `--reputation-retention`,
    /// `--model-items`, `--model-rank` or hive.json; defaults: median-norm bounding ×1 with
    /// reputation weights, rows summed, agreement reputation with retention 0.5, 10 000 items ×
    /// rank 16), consensus 0.8 / 3 / 0.66 over hashing-embedded pattern texts. Throws
    /// `invalid-input` naming the setting.
    static func aggregation(_ configuration: HubConfiguration) throws -> any AggregationEngine {
        try LearningAggregationEngine(configuration: try configuration.learningConfiguration())
    }

    /// Semantic skill search over MiniLM when the model is installed; otherwise the explicit
    /// lexical ranker (responses say `method: lexical`). Returns the ranker and why it was chosen.
    /// `lexical: true` picks the lexical ranker even when the model is installed (`--skill-search lexical`).
    static func skillRanker(lexical: Bool = false) -> (ranker: any SkillRanker, reason: String) {
        if lexical { return (LexicalSkillRanker(), "chosen with --skill-search lexical") }
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
