import Foundation
import HiveEmbeddings
import HiveHub

/// The engines linked into this build of `hive serve`.
enum HubEngines {
    /// HiveLearning's engine with its defaults (norm bounding ‖Δ‖ ≤ 1 with reputation weights,
    /// 10 000 items × rank 16, consensus 0.8 / 3 / 0.66, hashing-embedded pattern texts).
    /// nil (rounds answer 503) only if those defaults failed validation, which is reported.
    static let aggregation: (any AggregationEngine)? = {
        do {
            return try LearningAggregationEngine(configuration: LearningEngineConfiguration())
        } catch {
            FileHandle.standardError.write(Data("aggregation engine unavailable: \(error)\n".utf8))
            return nil
        }
    }()

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
