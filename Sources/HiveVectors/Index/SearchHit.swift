/// One search result.
public struct SearchHit: Sendable, Hashable, CustomStringConvertible {
    /// The id given when the vector was added.
    public var id: VectorID
    /// Cosine similarity (`.cosine`), inner product (`.dot`) or squared Euclidean distance (`.l2`).
    public var score: Float

    public init(id: VectorID, score: Float) {
        self.id = id
        self.score = score
    }

    public var description: String { "\(id):\(score)" }
}
