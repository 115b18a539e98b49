import GRDB
import HiveCore

/// What to do when a table's stored embeddings came from another model than the one in use.
public enum ModelMismatchPolicy: Sendable {
    /// Refuse to open, naming both models (the default: silently mixing spaces ruins search).
    case refuse
    /// Recompute every stored embedding of the table from its text with the given function
    /// (normally the new embedder), in one transaction.
    case reembed(@Sendable (String) throws -> [Float])
}

extension TwinStore {
    /// Reconciles the embedding space recorded for `table` with `space`.
    ///
    /// - A table with no recorded space takes `space`.
    /// - A different recorded space: with ``ModelMismatchPolicy/refuse`` throws
    ///   ``HiveError/Code/inconsistent`` naming both models; with ``ModelMismatchPolicy/reembed(_:)``
    ///   re-embeds every row's `textColumn` and records `space`, all in one transaction.
    func reconcileEmbeddingSpace(
        _ space: EmbeddingSpace, table: String, textColumn: String, policy: ModelMismatchPolicy
    ) throws {
        try reconcileEmbeddingSpace(space, table: table, policy: policy) { db in
            try Row.fetchAll(db, sql: "SELECT rid, \(textColumn) FROM \(table)").map { ($0[0], $0[1]) }
        }
    }

    /// ``reconcileEmbeddingSpace(_:table:textColumn:policy:)`` for a table whose text is not a plain
    /// column: `texts` reads every row's id and text (called only when re-embedding).
    func reconcileEmbeddingSpace(
        _ space: EmbeddingSpace, table: String, policy: ModelMismatchPolicy, texts: (Database) throws -> [(Int64, String)]
    ) throws {
        let key = "embedding_space.\(table)"
        try write { db in
            let recorded = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
            if let recorded, recorded == space.stored { return }
            let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            if let recorded, rows > 0 {
                let old = EmbeddingSpace(stored: recorded)?.description ?? recorded
                switch policy {
                case .refuse:
                    throw HiveError(
                        .inconsistent,
                        "\(table) in \(path) holds embeddings from \(old); this embedder is \(space). Open with the same model, or re-embed (ModelMismatchPolicy.reembed)"
                    )
                case .reembed(let embed):
                    let update = try db.cachedStatement(sql: "UPDATE \(table) SET vector = ? WHERE rid = ?")
                    for (rid, text) in try texts(db) {
                        let vector = try embed(text)
                        try space.check(vector, field: "re-embedded \(table) vector")
                        try update.execute(arguments: [EmbeddingCodec.encode(vector), rid])
                    }
                    // A persisted index of the old vectors must not be loaded again.
                    try db.execute(
                        sql: """
                            INSERT INTO meta(key, value) VALUES (?, 1)
                            ON CONFLICT(key) DO UPDATE SET value = value + 1
                            """, arguments: ["\(table)_generation"])
                }
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, space.stored])
        }
    }
}
