import HiveCore
import HiveLearning

/// Parameters of ``LearningAggregationEngine``: the global model's shape, the robust rule, how a
/// row's senders combine, staleness, server learning rate, reputation and consensus thresholds.
///
/// The defaults are the robust system `hive bench recsys` measures (issue 7, docs/recsys.md):
/// each twin's whole update bounded at the round's median update norm, a row's senders summed
/// (what sequential SGD over the same data would add) rather than averaged, and reputation that
/// also scores each twin's agreement with the fused update, with retention 0.5 so an opposing twin
/// loses weight within a round or two.
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
    /// The robust rule (default: median-norm bounding ×1 with reputation weights; docs/learning.md
    /// shows median, trimmed mean and Krum fail on sparse MF updates even unattacked).
    public var rule: AggregationRule
    /// Mean or sum of a row's senders (default sum: with the mean a popular item moved by many
    /// twins takes only the typical twin's step, which held federated accuracy at 0.53× centralised).
    public var combination: RowCombination
    /// Whether reputation quality also scores agreement (cosine) with the fused update (default
    /// on): a sign-flipping or noise-sending twin that a norm bound already tamed in size still
    /// loses weight in the following rounds.
    public var scoresAgreement: Bool
    /// How many versions behind the model an update may be and still count.
    public var maxStaleness: UInt64
    /// Server learning rate applied to the fused deltas.
    public var learningRate: Float
    /// Reputation EMA parameters (default ``robustReputation``: retention 0.5).
    public var reputation: ReputationConfiguration
    /// Pattern consensus thresholds (cosine ≥ 0.8, ≥ 3 voters, agreement ≥ 0.66 by default).
    public var consensus: ConsensusConfiguration
    /// Dimensions of the hashing embedder used for pattern approach texts.
    public var patternEmbeddingDimensions: Int
    /// The model's round kind. nil: twins send row deltas (BPR/SGD) that are fused and added.
    /// Set: federated weighted ALS — twins send ``WALSContribution``s (or full ``WALSStatistics``,
    /// checked with ``WALSStatistics/decompose(_:itemCount:tolerance:)`` at ingest), the round
    /// fuses the statistics with the same rule and takes the exact item solve (``WALSSolver``)
    /// with these λ and α. ALS needs rank ≤ ``WALSContribution/maxRank`` (its statistics rows
    /// must fit ``ModelUpdate/maxRank``).
    public var als: WALSConfiguration?
    /// When set, the hub's first round publishes the seeded initial model
    /// (`ItemFactorModel(itemCount:rank:seed:)`, every row) as version 1 before any update counts,
    /// so every twin starts from the same non-zero factors (ALS cannot start from zeros: every
    /// user solve would be 0). nil: unpublished rows are zero.
    public var initialSeed: UInt64?
    /// What agreement is scored against when ``scoresAgreement`` is on.
    public var agreementReference: AgreementReference
    /// Per-row bound: each sender's row at most this multiple of the row's median sender norm
    /// (``UpdateAggregator/rowNormMultiple``; nil: none).
    public var rowNormMultiple: Double?
    /// Weight contributions by reputation (false: every twin weighs 1 — plain FedAvg, with which
    /// federated ALS equals centralised ALS step for step). Reputation is still recorded.
    public var reputationWeights: Bool
    /// What the norm-bounding rules measure (``UpdateAggregator/normBasis``; default whole norm).
    public var normBasis: NormBasis
    /// ALS rounds: agreement on the statistics' linear part
    /// (``UpdateAggregator/linearStatisticsAgreement``; default true).
    public var linearStatisticsAgreement: Bool

    /// Validated parameters; throws `invalid-input` naming the field.
    public init(
        itemCount: Int = 10_000, rank: Int = 16, rule: AggregationRule = .medianNormBounding(multiple: 1),
        combination: RowCombination = .sum, scoresAgreement: Bool = true,
        maxStaleness: UInt64 = 2, learningRate: Float = 1, reputation: ReputationConfiguration = Self.robustReputation,
        consensus: ConsensusConfiguration = .standard, patternEmbeddingDimensions: Int = 384,
        als: WALSConfiguration? = nil, initialSeed: UInt64? = nil, agreementReference: AgreementReference = .fused,
        rowNormMultiple: Double? = nil, reputationWeights: Bool = true, normBasis: NormBasis = .whole,
        linearStatisticsAgreement: Bool = true
    ) throws {
        self.normBasis = normBasis
        self.linearStatisticsAgreement = linearStatisticsAgreement
        self.als = als
        self.initialSeed = initialSeed
        self.agreementReference = agreementReference
        self.rowNormMultiple = rowNormMultiple
        self.reputationWeights = reputationWeights
        self.itemCount = itemCount
        self.rank = rank
        self.rule = rule
        self.combination = combination
        self.scoresAgreement = scoresAgreement
        self.maxStaleness = maxStaleness
        self.learningRate = learningRate
        self.reputation = reputation
        self.consensus = consensus
        self.patternEmbeddingDimensions = patternEmbeddingDimensions
        try validate()
    }

    /// The reputation EMA of the robust system: retention 0.5 (the recsys benchmark's choice),
    /// initial 0.5, trust threshold 0.8.
    public static let robustReputation: ReputationConfiguration = {
        guard let configuration = try? ReputationConfiguration(retention: 0.5) else { return .standard }
        return configuration
    }()

    /// Most items in the hub's model: a twin's first pull carries every published row, and one
    /// pull carries at most ``OmegaCore/maxModelRows`` rows, so a larger model could not reach a
    /// new twin whole.
    public static let maxItems = OmegaCore.maxModelRows
    /// Most floats in the hub's model (items × (rank + 1)): 4 Mi floats, 16 MiB. A round builds
    /// the model densely, and a first pull carries it all.
    public static let maxValues = 1 << 22

    /// Checks every field.
    public func validate() throws {
        guard (1...Self.maxItems).contains(itemCount) else {
            throw HiveError(.invalidInput, "item_count must be in 1…\(Self.maxItems), got \(itemCount)")
        }
        // The stored row (factors + bias) must fit the wire's dimension limit.
        let maxRank = min(ModelUpdate.maxRank, ModelRowsDelta.maxDimension - 1)
        guard (1...maxRank).contains(rank) else {
            throw HiveError(.invalidInput, "rank must be in 1…\(maxRank), got \(rank)")
        }
        guard itemCount * (rank + 1) <= Self.maxValues else {
            throw HiveError(
                .invalidInput,
                "item_count × (rank + 1) = \(itemCount) × \(rank + 1) = \(itemCount * (rank + 1)) floats exceeds the model's memory bound of \(Self.maxValues) (16 MiB)"
            )
        }
        try rule.validate()
        if let als {
            try als.validate()
            guard rank <= WALSContribution.maxRank else {
                throw HiveError(
                    .invalidInput,
                    "ALS needs rank ≤ \(WALSContribution.maxRank) (its statistics rows of rank + rank·(rank+1)/2 values must fit an update's rank limit \(ModelUpdate.maxRank)), got \(rank)")
            }
        }
        if let rowNormMultiple, !(rowNormMultiple.isFinite && rowNormMultiple > 0 && rowNormMultiple <= 1e6) {
            throw HiveError(.invalidInput, "row_norm_multiple must be in (0, 1e6], got \(rowNormMultiple)")
        }
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
