import HiveCore

/// Which embedding model produced a set of vectors, and their length. Vectors from different
/// spaces are not comparable, so a store records the space of the vectors it holds.
public struct EmbeddingSpace: Hashable, Sendable, CustomStringConvertible {
    /// The embedder's model id (e.g. "sentence-transformers/all-MiniLM-L6-v2").
    public var modelID: String
    /// Components per vector.
    public var dimensions: Int

    public init(modelID: String, dimensions: Int) throws {
        try Validation.check(modelID, maxBytes: Validation.Limit.shortText, nonEmpty: true, field: "model id")
        guard (1...65_536).contains(dimensions) else {
            throw HiveError(.invalidInput, "embedding dimensions must be in 1...65536, got \(dimensions)")
        }
        self.modelID = modelID
        self.dimensions = dimensions
    }

    public var description: String { "\(modelID) (\(dimensions)-d)" }

    /// How the space is written in the store's `meta` table.
    var stored: String { "\(dimensions) \(modelID)" }

    init?(stored: String) {
        let parts = stored.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let dimensions = Int(parts[0]),
            let space = try? EmbeddingSpace(modelID: String(parts[1]), dimensions: dimensions)
        else { return nil }
        self = space
    }

    /// Checks a vector's length and that it has a direction (finite, non-zero).
    func check(_ vector: [Float], field: String) throws {
        guard vector.count == dimensions else {
            throw HiveError(.dimensionMismatch, "\(field) has \(vector.count) components; \(self) has \(dimensions)")
        }
        try Validation.checkFinite(vector, field: field)
        guard vector.contains(where: { $0 != 0 }) else {
            throw HiveError(.invalidInput, "\(field) is a zero vector")
        }
    }
}
