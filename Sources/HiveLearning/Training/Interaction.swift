import HiveCore

/// One implicit-feedback signal: the twin's user engaged with `item` (watched, finished,
/// rated highly…) with strength `weight` (> 0; e.g. the fraction watched, or a count).
public struct Interaction: Sendable, Hashable, Codable {
    /// The item's index in the global model.
    public var item: Int
    /// Engagement strength, > 0; duplicates of an item are summed.
    public var weight: Float

    public init(item: Int, weight: Float = 1) {
        self.item = item
        self.weight = weight
    }
}
