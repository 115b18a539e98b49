import HiveCore

/// Data-poisoning twins: honest training code fed corrupted interactions.
public enum PoisonedInteractions {
    /// Label flip: the same number of interactions, moved onto items the user did *not* engage
    /// with (so the twin learns the opposite of its user's taste). Throws when there are not
    /// enough other items.
    public static func labelFlip(
        _ interactions: [Interaction], itemCount: Int, using rng: inout some RandomNumberGenerator
    ) throws -> [Interaction] {
        let positives = Set(interactions.map(\.item))
        var others = (0..<itemCount).filter { !positives.contains($0) }
        guard others.count >= positives.count, !positives.isEmpty else {
            throw HiveError(.invalidInput, "label flip needs at least as many non-interacted items as interacted ones")
        }
        others.shuffle(using: &rng)
        return others.prefix(positives.count).sorted().map { Interaction(item: $0, weight: 1) }
    }

    /// Promotion (push) attack: interactions only with `targets`, each with `weight`.
    public static func promote(_ targets: [Int], weight: Float = 1) throws -> [Interaction] {
        guard !targets.isEmpty else { throw HiveError(.invalidInput, "promotion needs at least one target item") }
        guard weight.isFinite, weight > 0 else {
            throw HiveError(.invalidInput, "weight must be finite and > 0, got \(weight)")
        }
        return targets.map { Interaction(item: $0, weight: weight) }
    }
}
