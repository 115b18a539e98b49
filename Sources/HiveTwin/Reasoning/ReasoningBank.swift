import Foundation
import GRDB
import HiveCore
import HiveVectors
import Synchronization

/// The twin's learned patterns (the seed's ReasoningBank): stored in the `patterns` table with an
/// int8 embedding of their approach, searched through a HiveVectors index derived from that table.
///
/// - The table is the truth; the index is derived from it and changed only after the transaction
///   that changed the table has committed, under the same lock. Two kinds (``IndexKind``):
///   `.exact` — a ``QuantizedFlatIndex`` (int8 scan, f32 rescoring, exact order) rebuilt from the
///   stored vectors at every open; `.hnsw` — an ``HNSWIndex`` persisted next to the database by
///   ``saveIndex()`` with its checksum and the table generation it reflects recorded in the store;
///   at open it is loaded only if the checksum verifies and no pattern write happened since
///   (every write bumps the generation in its own transaction), and rebuilt otherwise. Either way
///   index and table cannot drift, not even across a crash (``verifyIndex()`` checks it).
/// - Success is Beta(α, β) evidence: ``recordOutcome(patternID:success:)`` adds one to α or β.
/// - Vectors carry the embedder's model id; opening a table whose vectors came from another model
///   refuses or re-embeds (``ModelMismatchPolicy``).
public final class ReasoningBank: Sendable {
    public let store: TwinStore
    /// The embedding space of the stored vectors.
    public let space: EmbeddingSpace

    /// Which vector index serves searches.
    public enum IndexKind: Sendable, Hashable {
        /// Exact order (int8 scan + f32 rescoring), rebuilt from the table at open.
        case exact
        /// HNSW graph, persisted with a verified checksum (see ``saveIndex()``); rebuilt when stale.
        case hnsw(m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64)
    }

    struct State: Sendable {
        var index: PatternIndex
        var columns: PatternColumns
    }

    /// The index kind this bank was opened with.
    public let indexKind: IndexKind
    /// Where an `.hnsw` index is persisted: `<database>.patterns.hnsw`.
    public var indexPath: String { store.path + ".patterns.hnsw" }
    /// How the index was obtained at open: "rebuilt" or "loaded".
    public let indexOrigin: String

    private let state: Mutex<State>

    /// Largest `k` accepted by a search.
    public static let maxK = 1_000
    /// Largest batch accepted by ``storePatterns(_:ttlMs:outbox:)``.
    public static let maxBatch = 10_000

    /// Opens the bank over `store`, checking the recorded embedding space against `space` and
    /// rebuilding the vector index from the table.
    public init(
        store: TwinStore, space: EmbeddingSpace, index kind: IndexKind = .exact,
        onModelMismatch policy: ModelMismatchPolicy = .refuse
    ) throws {
        self.store = store
        self.space = space
        self.indexKind = kind
        try store.reconcileEmbeddingSpace(space, table: "patterns", textColumn: "approach", policy: policy)
        if case .hnsw = kind, let loaded = try Self.loadPersisted(store: store, space: space, path: store.path + ".patterns.hnsw") {
            state = Mutex(loaded)
            indexOrigin = "loaded"
        } else {
            let built = try Self.rebuild(store: store, space: space, kind: kind)
            state = Mutex(built)
            indexOrigin = "rebuilt"
            if case .hnsw = kind { try saveIndex() }
        }
    }

    /// The persisted HNSW index, if it verifies and reflects the current table; `nil` otherwise.
    static func loadPersisted(store: TwinStore, space: EmbeddingSpace, path: String) throws -> State? {
        let (generation, record, count) = try store.read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'patterns_generation'") ?? 0,
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'patterns_index'"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM patterns") ?? 0
            )
        }
        guard let record, FileManager.default.fileExists(atPath: path) else { return nil }
        let parts = record.split(separator: " ")
        guard parts.count == 2, Int64(parts[0]) == generation, let checksum = UInt64(parts[1]) else { return nil }
        guard let index = try? HNSWIndex(contentsOf: path, expectedChecksum: checksum),
            index.count == count, index.dimension == space.dimensions
        else { return nil }
        return State(index: .hnsw(index), columns: try columns(store: store))
    }

    /// Writes the `.hnsw` index to ``indexPath`` and records its checksum with the table generation it
    /// reflects, so the next open can load it instead of rebuilding. No-op for `.exact`.
    public func saveIndex() throws {
        try state.withLock { state in
            guard case .hnsw(let index) = state.index else { return }
            let checksum = try index.save(to: indexPath)
            try store.write { db in
                let generation = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'patterns_generation'") ?? 0
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('patterns_index', ?)",
                    arguments: ["\(generation) \(checksum)"])
            }
        }
    }

    /// Bumps the table generation inside a write that changes patterns, invalidating a persisted index.
    static func bumpGeneration(in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO meta(key, value) VALUES ('patterns_generation', 1)
                ON CONFLICT(key) DO UPDATE SET value = value + 1
                """)
    }

    static func columns(store: TwinStore) throws -> PatternColumns {
        try store.read { db in
            var columns = PatternColumns()
            let cursor = try Row.fetchCursor(db, sql: "SELECT rid, task_type, origin, tags, alpha, beta, expires_ms FROM patterns")
            while let row = try cursor.next() {
                columns.insert(
                    rid: row["rid"], taskType: try Self.taskType(row["task_type"]), origin: try Self.origin(row["origin"]),
                    tags: try Self.decodeTags(row["tags"]), alpha: row["alpha"], beta: row["beta"], expiresMs: row["expires_ms"])
            }
            return columns
        }
    }

    static func rebuild(store: TwinStore, space: EmbeddingSpace, kind: IndexKind) throws -> State {
        try store.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM patterns") ?? 0
            var columns = PatternColumns()
            var ids: [VectorID] = []
            ids.reserveCapacity(count)
            var vectors: [Float] = []
            vectors.reserveCapacity(count * space.dimensions)
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT rid, task_type, origin, tags, alpha, beta, expires_ms, vector FROM patterns")
            while let row = try cursor.next() {
                let rid: Int64 = row["rid"]
                try EmbeddingCodec.decode(row["vector"], dimensions: space.dimensions, appendingTo: &vectors)
                ids.append(rid)
                columns.insert(
                    rid: rid, taskType: try Self.taskType(row["task_type"]), origin: try Self.origin(row["origin"]),
                    tags: try Self.decodeTags(row["tags"]), alpha: row["alpha"], beta: row["beta"], expiresMs: row["expires_ms"])
            }
            switch kind {
            case .exact:
                var index = try QuantizedFlatIndex(dimension: space.dimensions, metric: .cosine, capacity: count)
                try index.add(ids: ids, vectors: vectors)
                return State(index: .exact(index), columns: columns)
            case .hnsw(let m, let efConstruction, let efSearch):
                var index = try HNSWIndex(
                    dimension: space.dimensions, metric: .cosine, m: m, efConstruction: efConstruction, efSearch: efSearch,
                    capacity: count)
                try index.add(ids: ids, vectors: vectors)
                return State(index: .hnsw(index), columns: columns)
            }
        }
    }

    // MARK: Writing

    /// Stores one pattern with the embedding of its approach. With `outbox`, a signed `pattern.v1`
    /// envelope for it is queued in the same transaction.
    @discardableResult
    public func storePattern(
        _ draft: PatternDraft, vector: [Float], ttlMs: UInt64? = nil, outbox: OfflineEnvelopeStore? = nil
    ) throws -> Pattern {
        try storePatterns([(draft, vector)], ttlMs: ttlMs, outbox: outbox)[0]
    }

    /// Stores many patterns in one transaction: all or none. Every draft and vector is validated
    /// before anything is written (``HiveError/Code/invalidInput``, ``HiveError/Code/dimensionMismatch``).
    @discardableResult
    public func storePatterns(
        _ batch: [(PatternDraft, [Float])], ttlMs: UInt64? = nil, outbox: OfflineEnvelopeStore? = nil
    ) throws -> [Pattern] {
        guard !batch.isEmpty else { return [] }
        guard batch.count <= Self.maxBatch else {
            throw HiveError(.invalidInput, "batch has \(batch.count) patterns; the limit is \(Self.maxBatch)")
        }
        var encoded: [Data] = []
        encoded.reserveCapacity(batch.count)
        for (i, (draft, vector)) in batch.enumerated() {
            _ = try draft.pattern(id: "pending", stamp: .zero)
            try Self.checkTags(draft.tags, field: "pattern \(i) tags")
            try space.check(vector, field: "pattern \(i) vector")
            encoded.append(EmbeddingCodec.encode(vector))
        }
        let expires = store.expiry(ttlMs: ttlMs)
        let now = Int64(clamping: store.nowMs)
        return try state.withLock { state in
            let written = try store.write { db -> [(Pattern, Int64)] in
                try Self.bumpGeneration(in: db)
                let ids = try store.allocateIDs(batch.count, in: db)
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO patterns(id, task_type, approach, tags, context, alpha, beta, origin, provenance,
                                             stamp, created_ms, expires_ms, vector)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                var written: [(Pattern, Int64)] = []
                written.reserveCapacity(batch.count)
                for (i, (draft, _)) in batch.enumerated() {
                    let pattern = try draft.pattern(id: ids[i], stamp: store.clock.now())
                    try insert.execute(arguments: [
                        pattern.id, pattern.taskType.rawValue, pattern.approach, Self.encodeTags(pattern.tags),
                        try Self.encodeJSON(pattern.context), pattern.alpha, pattern.beta, pattern.origin.rawValue,
                        try Self.encodeList(pattern.provenance), pattern.stamp.description, now, expires, encoded[i],
                    ])
                    written.append((pattern, db.lastInsertedRowID))
                    if let outbox {
                        try outbox.enqueue(
                            try SignedEnvelope.sign(pattern, kind: .pattern, stamp: pattern.stamp, identity: store.identity), in: db)
                    }
                }
                return written
            }
            // Committed: mirror into the index (vectors as stored, so a rebuild gives the same index).
            var vectors: [Float] = []
            vectors.reserveCapacity(batch.count * space.dimensions)
            for data in encoded { try EmbeddingCodec.decode(data, dimensions: space.dimensions, appendingTo: &vectors) }
            do {
                try state.index.add(ids: written.map(\.1), vectors: vectors)
            } catch {
                state = try Self.rebuild(store: store, space: space, kind: indexKind)
            }
            for (pattern, rid) in written {
                state.columns.insert(
                    rid: rid, taskType: pattern.taskType, origin: pattern.origin, tags: pattern.tags, alpha: pattern.alpha,
                    beta: pattern.beta, expiresMs: expires)
            }
            return written.map(\.0)
        }
    }

    /// Records one outcome of using a pattern: α += 1 on success, β += 1 on failure, with a new
    /// stamp. Throws ``HiveError/Code/notFound`` for an unknown id (nothing is written).
    @discardableResult
    public func recordOutcome(patternID: String, success: Bool) throws -> Pattern {
        try Validation.check(patternID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "pattern id")
        return try state.withLock { state in
            let (pattern, rid) = try store.write { db -> (Pattern, Int64) in
                guard let row = try Row.fetchOne(db, sql: "\(Self.select) WHERE id = ?", arguments: [patternID]) else {
                    throw HiveError(.notFound, "no pattern with id \(patternID)")
                }
                var pattern = try Self.pattern(from: row)
                if success { pattern.alpha += 1 } else { pattern.beta += 1 }
                try pattern.validate()
                pattern.stamp = store.clock.now()
                try db.execute(
                    sql: "UPDATE patterns SET alpha = ?, beta = ?, stamp = ? WHERE id = ?",
                    arguments: [pattern.alpha, pattern.beta, pattern.stamp.description, pattern.id])
                return (pattern, row["rid"])
            }
            state.columns.updateEvidence(rid: rid, alpha: pattern.alpha, beta: pattern.beta)
            return pattern
        }
    }

    /// Deletes patterns whose TTL has passed; returns how many.
    @discardableResult
    public func sweepExpired() throws -> Int {
        let now = Int64(clamping: store.nowMs)
        return try state.withLock { state in
            let rows = try store.write { db in
                try Self.bumpGeneration(in: db)
                return try Row.fetchAll(
                    db, sql: "DELETE FROM patterns WHERE expires_ms IS NOT NULL AND expires_ms <= ? RETURNING rid, tags",
                    arguments: [now])
            }
            for row in rows {
                let rid: Int64 = row["rid"]
                try? state.index.remove(id: rid)
                state.columns.remove(rid: rid, tags: try Self.decodeTags(row["tags"]))
            }
            return rows.count
        }
    }

    // MARK: Reading

    /// The `k` patterns closest to `vector` (cosine) that pass `filter`, best first. Expired
    /// patterns are never returned, even before a sweep.
    public func searchPatterns(vector: [Float], k: Int, filter: PatternFilter = PatternFilter()) throws -> [PatternMatch] {
        guard (1...Self.maxK).contains(k) else {
            throw HiveError(.invalidInput, "k must be in 1...\(Self.maxK), got \(k)")
        }
        try space.check(vector, field: "query vector")
        try filter.validate()
        let now = Int64(clamping: store.nowMs)
        let hits = try state.withLock { state -> [SearchHit] in
            try state.index.search(vector, k: k, filter: state.columns.vectorFilter(filter, now: now))
        }
        guard !hits.isEmpty else { return [] }
        let rows = try store.read { db in
            try Row.fetchAll(
                db, sql: "\(Self.select) WHERE rid IN (\(hits.map { String($0.id) }.joined(separator: ",")))")
        }
        var byRID: [Int64: Pattern] = [:]
        for row in rows { byRID[row["rid"]] = try Self.pattern(from: row) }
        return hits.compactMap { hit in byRID[hit.id].map { PatternMatch(pattern: $0, similarity: hit.score) } }
    }

    /// The pattern with this id, if any.
    public func pattern(id: String) throws -> Pattern? {
        try store.read { db in
            try Row.fetchOne(db, sql: "\(Self.select) WHERE id = ?", arguments: [id]).map(Self.pattern(from:))
        }
    }

    /// Local patterns good enough to offer to the hub: posterior success rate ≥ `minQuality` and
    /// at least `minObservations` recorded outcomes, unexpired, oldest first.
    public func export(minQuality: Double, minObservations: Double = 1, limit: Int = 10_000) throws -> [Pattern] {
        try Validation.check(minQuality, in: 0...1, field: "min_quality")
        try Validation.check(minObservations, in: 0...1e12, field: "min_observations")
        let now = Int64(clamping: store.nowMs)
        return try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    \(Self.select) WHERE origin = 'local' AND alpha / (alpha + beta) >= ? AND alpha + beta - 2 >= ?
                    AND (expires_ms IS NULL OR expires_ms > ?) ORDER BY rid LIMIT ?
                    """,
                arguments: [minQuality, minObservations, now, max(0, limit)]
            ).map(Self.pattern(from:))
        }
    }

    /// Number of stored patterns (expired but unswept ones included).
    public func count() throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM patterns") ?? 0 }
    }

    /// Compares the index with the table: the row ids must be the same set and each indexed vector
    /// must be the stored one. Returns the problems found (empty when in sync).
    public func verifyIndex() throws -> [String] {
        let index = state.withLock { $0.index }
        var problems: [String] = []
        let rows = try store.read { db in try Row.fetchAll(db, sql: "SELECT rid, vector FROM patterns") }
        if rows.count != index.count { problems.append("table has \(rows.count) patterns, index has \(index.count)") }
        for row in rows {
            let rid: Int64 = row["rid"]
            guard index.contains(rid) else {
                problems.append("pattern row \(rid) is not indexed")
                continue
            }
            let vector = try EmbeddingCodec.decode(row["vector"], dimensions: space.dimensions)
            if let best = try index.search(vector, k: 1, filter: .ids([rid])).first, best.score < 0.999 {
                problems.append("indexed vector of row \(rid) differs from the table (cosine \(best.score))")
            }
        }
        return problems
    }

    // MARK: Row mapping

    static let select = """
        SELECT rid, id, task_type, approach, tags, context, alpha, beta, origin, provenance, stamp FROM patterns
        """

    static func pattern(from row: Row) throws -> Pattern {
        let id: String = row["id"]
        guard let stamp = HLCTimestamp(row["stamp"] as String) else {
            throw HiveError(.malformed, "pattern \(id) has a malformed stamp")
        }
        return try Pattern(
            id: id, taskType: try taskType(row["task_type"]), approach: row["approach"], tags: try decodeTags(row["tags"]),
            context: try HiveJSON.decode(Pattern.Context.self, from: Array((row["context"] as String).utf8)),
            alpha: row["alpha"], beta: row["beta"], origin: try origin(row["origin"]),
            provenance: try decodeList(row["provenance"]), stamp: stamp)
    }

    static func taskType(_ raw: String) throws -> Pattern.TaskType {
        guard let value = Pattern.TaskType(rawValue: raw) else { throw HiveError(.malformed, "unknown task type \(raw)") }
        return value
    }

    static func origin(_ raw: String) throws -> Pattern.Origin {
        guard let value = Pattern.Origin(rawValue: raw) else { throw HiveError(.malformed, "unknown origin \(raw)") }
        return value
    }

    static func encodeList(_ list: [String]) throws -> String { try encodeJSON(list) }

    /// Tags are stored joined by U+001F (unit separator), which ``checkTags(_:)`` keeps out of
    /// tags: decoding them on every open must not cost a JSON parse per row.
    static let tagSeparator: Character = "\u{1F}"

    static func encodeTags(_ tags: [String]) -> String { tags.joined(separator: String(tagSeparator)) }

    static func decodeTags(_ text: String) throws -> [String] {
        text.isEmpty ? [] : text.split(separator: tagSeparator, omittingEmptySubsequences: false).map(String.init)
    }

    static func checkTags(_ tags: [String], field: String) throws {
        for tag in tags where tag.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw HiveError(.invalidInput, "\(field) must not contain control characters: \(tag.debugDescription)")
        }
    }

    static func decodeList(_ text: String) throws -> [String] {
        try HiveJSON.decode([String].self, from: Array(text.utf8))
    }

    static func encodeJSON(_ value: some Encodable) throws -> String {
        String(decoding: try HiveJSON.encode(value), as: UTF8.self)
    }
}
