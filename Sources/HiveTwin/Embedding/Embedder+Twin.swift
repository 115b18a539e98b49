import HiveCore
import HiveEmbeddings

extension EmbeddingSpace {
    /// The space of `embedder`'s vectors.
    public init(_ embedder: any Embedder) throws {
        try self.init(modelID: embedder.modelID, dimensions: embedder.dimensions)
    }
}

extension TextEmbedding {
    init(_ embedder: any Embedder) throws {
        self.init(space: try EmbeddingSpace(embedder), embed: { embedder.embed($0) })
    }
}

extension ModelMismatchPolicy {
    /// Re-embeds from the stored text with `embedder`.
    public static func reembed(with embedder: any Embedder) -> ModelMismatchPolicy {
        .reembed { embedder.embed($0) }
    }
}

extension ReflexionMemory {
    /// Opens the episode memory over `store`, embedding task texts with `embedder`. When the stored
    /// task vectors came from another model: refuses (default) or, with `reembedOnModelChange`,
    /// re-embeds them with `embedder`.
    public convenience init(store: TwinStore, embedder: any Embedder, reembedOnModelChange: Bool = false) throws {
        try self.init(
            store: store, text: TextEmbedding(embedder),
            policy: reembedOnModelChange ? .reembed(with: embedder) : .refuse)
    }
}

extension SkillLibrary {
    /// Opens the skill library over `store`, embedding `name: description` with `embedder`.
    /// Model changes are handled as in ``ReflexionMemory/init(store:embedder:reembedOnModelChange:)``.
    public convenience init(store: TwinStore, embedder: any Embedder, reembedOnModelChange: Bool = false) throws {
        try self.init(
            store: store, text: TextEmbedding(embedder),
            policy: reembedOnModelChange ? .reembed(with: embedder) : .refuse)
    }
}

extension ReasoningBank {
    /// Opens the bank with `embedder`'s space (so text searches and stored vectors agree).
    public convenience init(
        store: TwinStore, embedder: any Embedder, index kind: IndexKind = .exact, reembedOnModelChange: Bool = false
    ) throws {
        try self.init(
            store: store, space: EmbeddingSpace(embedder), index: kind,
            onModelMismatch: reembedOnModelChange ? .reembed(with: embedder) : .refuse)
    }

    /// Stores a pattern, embedding its approach with `embedder` (which must match ``space``).
    @discardableResult
    public func storePattern(
        _ draft: PatternDraft, embedder: any Embedder, ttlMs: UInt64? = nil, outbox: OfflineEnvelopeStore? = nil
    ) throws -> Pattern {
        try checkSpace(embedder)
        return try storePattern(draft, vector: embedder.embed(draft.approach), ttlMs: ttlMs, outbox: outbox)
    }

    /// Searches by task text (the seed's `searchPatterns({task, k, filters})`), embedding it with `embedder`.
    public func searchPatterns(
        task: String, k: Int, filter: PatternFilter = PatternFilter(), embedder: any Embedder
    ) throws -> [PatternMatch] {
        try Validation.check(task, maxBytes: Validation.Limit.text, nonEmpty: true, field: "task")
        try checkSpace(embedder)
        return try searchPatterns(vector: embedder.embed(task), k: k, filter: filter)
    }

    private func checkSpace(_ embedder: any Embedder) throws {
        let other = try EmbeddingSpace(embedder)
        guard other == space else {
            throw HiveError(.inconsistent, "this bank holds \(space) vectors; the embedder is \(other)")
        }
    }
}
