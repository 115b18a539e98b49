import HiveCore

extension ViewerAgent {
    /// Stores a pattern with the embedding of its approach (the configured embedder). With `share`,
    /// a signed `pattern.v1` envelope is queued in the same transaction, so the next sync offers it
    /// to the hub's consensus; otherwise it stays on the device.
    public func storePattern(_ draft: PatternDraft, share: Bool) throws -> Pattern {
        guard !isShutDown else { throw HiveError(.unavailable, "the viewer agent was shut down") }
        try Validation.check(draft.approach, maxBytes: Validation.Limit.text, nonEmpty: true, field: "approach")
        let vector = configuration.embedder.embed(draft.approach)
        return try bank.storePattern(draft, vector: vector, outbox: share ? outbox : nil)
    }

    /// The `k` local patterns whose approach is closest to `query` (cosine of embeddings) that pass `filter`.
    public func searchPatterns(query: String, k: Int, filter: PatternFilter = PatternFilter()) throws -> [PatternMatch]
    {
        guard !isShutDown else { throw HiveError(.unavailable, "the viewer agent was shut down") }
        try Validation.check(query, maxBytes: Validation.Limit.text, nonEmpty: true, field: "query")
        return try bank.searchPatterns(vector: configuration.embedder.embed(query), k: k, filter: filter)
    }
}

extension ViewerAgent {
    /// Whether the catalogue holds an item with this id.
    public func hasCatalogItem(_ mediaID: String) throws -> Bool {
        guard !isShutDown else { throw HiveError(.unavailable, "the viewer agent was shut down") }
        return try catalog().index[mediaID] != nil
    }
}
