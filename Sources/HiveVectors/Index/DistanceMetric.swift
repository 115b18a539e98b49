/// How an index compares vectors.
public enum DistanceMetric: UInt32, Sendable, Hashable, CaseIterable {
    /// Cosine similarity: vectors are normalised on insert and queries on search, then compared
    /// by dot product. Zero vectors are rejected. Scores lie in [-1, 1], higher is closer.
    case cosine = 1
    /// Inner product, higher is closer.
    case dot = 2
    /// Squared Euclidean distance, lower is closer.
    case l2 = 3

    /// Whether a larger ``SearchHit/score`` means a closer match.
    public var higherIsCloser: Bool { self != .l2 }
}
