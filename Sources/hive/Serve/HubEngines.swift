import HiveHub

/// The engines linked into this build of `hive serve`.
enum HubEngines {
    /// nil until HiveLearning provides an `AggregationEngine`: rounds then answer 503.
    static let aggregation: (any AggregationEngine)? = nil

    /// Lexical until HiveEmbeddings provides an embedder to build a `SemanticSkillRanker` on.
    static func skillRanker() -> any SkillRanker { LexicalSkillRanker() }
}
