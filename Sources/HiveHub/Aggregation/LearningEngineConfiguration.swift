import HiveCore
import HiveLearning

/// Parameters of ``LearningAggregationEngine``: the global model's shape, the robust rule,
/// staleness, server learning rate, reputation and consensus thresholds.
///
/// Item ids on the wire: the hub stores model rows under string ids while HiveLearning indexes
/// items by integer. The bridge is deterministic and needs no catalogue table: a twin's
/// `RowUpdate.item` is the item's index in `0..<itemCount`, and the hub stores that row under the
/// decimal string of the index (`"42"`). A stored row is `rank + 1` floats: the factors, then the
/// bias. Rows never published are zero (factors and bias), so twins need no shared seed.
public struct LearningEngineConfiguration: Sendable, Hashable {
    /// Items in the global model (valid indices are `0..<itemCount`).
    public var itemCount: Int
    /// Factor rank; stored rows are `rank + 1` long.
    public var rank: Int
    /// The robust rule (default: norm bounding ‖Δ‖ ≤ 1 with reputation weights; docs/learning.md
    /// shows median, trimmed mean and Krum fail on sparse MF updates even unattacked).
    public var rule: AggregationRule
    /// How many versions behind the model an update may be and still count.
    public var maxStaleness: UInt64
    /// Server learning rate applied to the fused deltas.
    public var learningRate: Float
    /// Reputation EMA parameters.
    public var reputation: ReputationConfiguration
    /// Pattern consensus thresholds (cosine ≥ 0.8, ≥ 3 voters, agreement ≥ 0.66 by default).
    public var consensus: ConsensusConfiguration
    /// Dimensions of the hashing embedder used for pattern approach texts.
    public var patternEmbeddingDimensions: Int

    /// Validated parameters; throws `invalid-input` naming the field.
    public init(
        itemCount: Int = 10_000, rank: Int = 16, rule: AggregationRule = .normBounding(maxNorm: 1),
        maxStaleness: UInt64 = 2, learningRate: Float = 1, reputation: ReputationConfiguration = .standard,
        consensus: ConsensusConfiguration = .standard, patternEmbeddingDimensions: Int = 384
    ) throws {
        self.itemCount = itemCount
        self.rank = rank
        self.rule = rule
        self.maxStaleness = maxStaleness
        self.learningRate = learningRate
        self.reputation = reputation
        self.consensus = consensus
        self.patternEmbeddingDimensions = patternEmbeddingDimensions
        try validate()
    }

    /// Checks every field.
    public func validate() throws {
        guard (1...ItemFactorModel.maxItems).contains(itemCount) else {
            throw HiveError(.invalidInput, "item_count must be in 1…\(ItemFactorModel.maxItems), got \(itemCount)")
        }
        // The stored row (factors + bias) must fit the wire's dimension limit.
        let maxRank = min(ModelUpdate.maxRank, ModelRowsDelta.maxDimension - 1)
        guard (1...maxRank).contains(rank) else {
            throw HiveError(.invalidInput, "rank must be in 1…\(maxRank), got \(rank)")
        }
        try rule.validate()
        guard learningRate.isFinite, learningRate > 0 else {
            throw HiveError(.invalidInput, "learning_rate must be finite and > 0, got \(learningRate)")
        }
        try reputation.validate()
        try consensus.validate()
        guard (1...PatternVote.maxDimensions).contains(patternEmbeddingDimensions) else {
            throw HiveError(
                .invalidInput,
                "pattern embedding dimensions must be in 1…\(PatternVote.maxDimensions), got \(patternEmbeddingDimensions)")
        }
    }
}
