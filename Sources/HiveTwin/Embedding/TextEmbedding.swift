import HiveCore

/// Text → vector for one embedding space: the function the memory types call, built from an
/// embedder (`HiveEmbeddings.Embedder`) so the embedder's model id travels with its vectors.
struct TextEmbedding: Sendable {
    let space: EmbeddingSpace
    let embed: @Sendable (String) throws -> [Float]

    /// Embeds `text` and checks the result belongs to ``space``.
    func vector(_ text: String, field: String) throws -> [Float] {
        let vector = try embed(text)
        try space.check(vector, field: field)
        return vector
    }
}
