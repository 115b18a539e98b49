/// What one local training run produced.
public struct TrainingOutcome: Sendable, Hashable {
    /// The twin's new user vector (stays on the device).
    public var user: [Float]
    /// The clipped (and, if configured, noised) sparse item update to send to the hub.
    public var update: ModelUpdate
    /// Mean BPR loss −ln σ(x̂ᵤᵢⱼ) on a fixed sample of (positive, negative) pairs before training.
    public var lossBefore: Double
    /// The same loss after training, with the new user vector and the item rows the twin would
    /// get if the hub applied exactly this (clipped, noised) update.
    public var lossAfter: Double
    /// L2 norm of the item update before clipping.
    public var unclippedNorm: Double
    /// The factor clipping multiplied the update by (1 when it was within the bound).
    public var clipScale: Double
}
