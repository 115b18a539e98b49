/// How far a viewer twin trusts the federated model, in [0, 1]: the product of
///
/// - **experience**: `n / (n + halfExperience)` for `n` liked items — the user vector is fitted on
///   the twin's own interactions, and a handful of them say little;
/// - **support**: the share of the twin's liked items whose rows the hub's model has published —
///   the part of this viewer's taste that other twins' updates actually cover.
///
/// A purely local model (no hub) has support 0: its item rows were never trained by anyone, so
/// it carries no knowledge beyond what content and patterns already say.
public struct ModelConfidence: Sendable, Hashable {
    /// Liked items (reward ≥ 0.5) the user vector was fitted on.
    public var interactions: Int
    /// Share of liked items with a published model row, in [0, 1].
    public var support: Double

    /// Liked items at which experience reaches one half.
    public static let halfExperience = 10.0
    /// No model signal at all.
    public static let none = ModelConfidence(interactions: 0, support: 0)

    public init(interactions: Int, support: Double) {
        self.interactions = max(0, interactions)
        self.support = support.isFinite ? min(1, max(0, support)) : 0
    }

    /// experience × support.
    public var value: Double {
        let n = Double(interactions)
        return n / (n + Self.halfExperience) * support
    }
}
