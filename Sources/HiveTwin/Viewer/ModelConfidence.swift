/// How far a viewer twin trusts the federated model, in [0, 1]: the product of
///
/// - **skill**: how well the model ranked this viewer's *fresh* likes before it was trained on them
///   (prequential AUC against sampled unseen items, mapped so chance = 0 and perfect = 1). A model
///   that other twins' updates have not yet made useful for this viewer earns no weight, however
///   many rows it publishes;
/// - **evidence**: `n / (n + halfEvidence)` for `n` (decayed) scored likes — a handful say little;
/// - **support**: the share of the twin's liked items whose rows the hub's model has published —
///   the part of this viewer's taste that other twins' updates actually cover.
///
/// A purely local model (no hub) has support 0: its item rows were never trained by anyone.
public struct ModelConfidence: Sendable, Hashable {
    /// Scored fresh likes (decayed count).
    public var evidence: Double
    /// Mean prequential AUC of the model on them, in [0, 1] (0.5 = chance).
    public var auc: Double
    /// Share of liked items with a published model row, in [0, 1].
    public var support: Double

    /// Scored likes at which evidence reaches one half.
    public static let halfEvidence = 10.0
    /// No model signal at all.
    public static let none = ModelConfidence(evidence: 0, auc: 0.5, support: 0)

    public init(evidence: Double, auc: Double, support: Double) {
        func unit(_ x: Double, _ fallback: Double) -> Double { x.isFinite ? min(1, max(0, x)) : fallback }
        self.evidence = evidence.isFinite ? max(0, evidence) : 0
        self.auc = unit(auc, 0.5)
        self.support = unit(support, 0)
    }

    /// 2·(AUC − 0.5), floored at 0.
    public var skill: Double { max(0, 2 * (auc - 0.5)) }

    /// skill × evidence × support.
    public var value: Double { skill * evidence / (evidence + Self.halfEvidence) * support }
}
