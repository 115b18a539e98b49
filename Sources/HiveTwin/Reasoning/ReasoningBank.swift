import Foundation
import GRDB
import HiveCore
import HiveVectors
import Synchronization

/// The twin's learned patterns (the seed's ReasoningBank): stored in the `patterns` table with an
/// int8 embedding of their approach (``EmbeddingCodec``; the approach text itself as word codes,
/// see `PatternTerms+Approach.swift`), searched through a HiveVectors index derived from that table.
///
/// - The table is the truth; the index is derived from it and changed only after the transaction
///   that changed the table has committed, under the same lock. Two kinds (``IndexKind``):
///   `.exact` — a ``QuantizedFlatIndex`` in its int8-only mode (`rescoring: .none`: int8 scan,
///   candidates rescored against the dequantised codes, exact order of those scores; no f32 rows,
///   since the table's vectors are int8 already and an f32 copy of them would add nothing), rebuilt
///   from the table's int8 rows at every open and never persisted (a file would repeat the codes
///   the table holds, doubling the footprint); `.hnsw` — an ``HNSWIndex``, persisted next to the
///   database by ``saveIndex()`` with its checksum and the table generation it reflects recorded
///   in the store (its graph is costly to build); at open it is loaded
///   (memory-mapped) only if the checksum verifies and no pattern write happened since (every
///   write bumps the generation in its own transaction), and rebuilt from the table otherwise —
///   ``indexOrigin`` says which and ``indexRebuildReason`` says why. Either way index and table
///   cannot drift, not even across a crash (``verifyIndex()`` checks it).
/// - Filters are answered from in-memory columns (``PatternColumns``): a filter becomes a bitmap
///   by row id, built once and cached until the next pattern write, and the exact index skips the
///   vectors it rejects before scoring them. Only the `k` hits are read from SQLite.
/// - Success is Beta(α, β) evidence: ``recordOutcome(patternID:success:)`` adds one to α or β.
/// - Vectors carry the embedder's model id; opening a table whose vectors came from another model
///   refuses or re-embeds (``ModelMismatchPolicy``).
public final class ReasoningBank: Sendable {
    public let store: TwinStore
    /// The embedding space of the stored vectors.
    public let space: EmbeddingSpace

    /// Which vector index serves searches.
    public enum IndexKind: Sendable, Hashable {
        /// Exact order (int8 scan + f32 rescoring).
        case exact
        /// HNSW graph (approximate).
        case hnsw(m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64)
    }

    struct State: Sendable {
        var index: PatternIndex
        var columns: PatternColumns
        /// The dictionary of the rows' tag and context codes (schema v5).
        var terms: PatternTerms
    }

    /// The index kind this bank was opened with.
    public let indexKind: IndexKind
    /// Where the index is persisted: `<database>.patterns.hnsw`; for `.exact`, where versions before
    /// schema v5 saved it (`<database>.patterns.qflat`, deleted at open; nothing is written there now).
    public var indexPath: String { Self.indexPath(store: store, kind: indexKind) }
    /// How the index was obtained at open: "rebuilt" or "loaded".
    public let indexOrigin: String
    /// Why the index had to be rebuilt at open (no file, stale, corrupt, …); `nil` when loaded.
    public let indexRebuildReason: String?

    let state: Mutex<State>

    /// Largest `k` accepted by a search.
    public static let maxK = 1_000
    /// Largest batch accepted by ``storePatterns(_:ttlMs:outbox:)``.
    public static let maxBatch = 10_000

    /// Opens the bank over `store`, checking the recorded embedding space against `space`, then
    /// building the exact index from the table, or (HNSW) loading the persisted index when it
    /// verifies and is current, else rebuilding it from the table and persisting it for the next open.
    /// The bank is its table's only writer: open one bank per store (its index, filter columns and
    /// id map follow its own committed writes).
    public init(
        store: TwinStore, space: EmbeddingSpace, index kind: IndexKind = .exact,
        onModelMismatch policy: ModelMismatchPolicy = .refuse
    ) throws {
        self.store = store
        self.space = space
        self.indexKind = kind
        try store.reconcileEmbeddingSpace(space, table: "patterns", policy: policy) { db in
            let terms = try PatternTerms.load(db)
            return try Row.fetchAll(db, sql: "SELECT rid, approach FROM patterns").map { ($0[0], try terms.decodeApproach($0[1], in: db)) }
        }
        Self.removeLegacyExactFile(store: store)
        if kind == .exact {
            // Derived from the int8 rows at every open (not persisted): same codes, no second copy on disk.
            state = Mutex(try Self.rebuild(store: store, space: space, kind: kind))
            indexOrigin = "rebuilt"
            indexRebuildReason = "exact indexes are rebuilt from the table at every open (not persisted)"
            return
        }
        switch try Self.loadPersisted(store: store, space: space, kind: kind) {
        case .loaded(let loaded):
            state = Mutex(loaded)
            indexOrigin = "loaded"
            indexRebuildReason = nil
        case .unusable(let reason):
            let (rebuilt, generation) = try Self.rebuildAtGeneration(store: store, space: space, kind: kind)
            var why = reason
            // The index is derived data: failing to persist it costs the next open a rebuild, not this one.
            do {
                try Self.persist(rebuilt.index, store: store, kind: kind, generation: generation)
            } catch {
                why += "; saving the rebuilt index failed: \(error)"
            }
            state = Mutex(rebuilt)
            indexOrigin = "rebuilt"
            indexRebuildReason = why
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
        return try state.withLock { state in
            // New terms go into a copy, kept only once the transaction has committed.
            var terms = state.terms
            let written = try store.write { db -> [(Pattern, Int64, Int64)] in
                try Self.bumpGeneration(in: db)
                let first = try store.allocateSequence(batch.count, in: db)
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO patterns(seq, task_type, origin, alpha, beta, stamp, expires_ms, approach, tags,
                                             context, provenance, vector)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                var written: [(Pattern, Int64, Int64)] = []
                written.reserveCapacity(batch.count)
                for (i, (draft, _)) in batch.enumerated() {
                    let seq = first + Int64(i)
                    let pattern = try draft.pattern(id: store.rowID(seq), stamp: store.clock.now())
                    try insert.execute(arguments: [
                        seq, PatternRowCodec.code(pattern.taskType), PatternRowCodec.code(pattern.origin), pattern.alpha,
                        pattern.beta, Int64(bitPattern: pattern.stamp.packed), expires, try terms.encode(approach: pattern.approach, in: db),
                        try terms.encode(tags: pattern.tags, in: db), try terms.encode(context: pattern.context, in: db),
                        PatternRowCodec.encode(pattern.provenance), encoded[i],
                    ])
                    written.append((pattern, db.lastInsertedRowID, seq))
                    if let outbox {
                        try outbox.enqueue(
                            try SignedEnvelope.sign(pattern, kind: .pattern, stamp: pattern.stamp, identity: store.identity), in: db)
                    }
                }
                return written
            }
            state.terms = terms
            // Committed: mirror into the index (vectors as stored, so a rebuild gives the same index).
            var vectors: [Float] = []
            vectors.reserveCapacity(batch.count * space.dimensions)
            for data in encoded { try EmbeddingCodec.decode(data, dimensions: space.dimensions, appendingTo: &vectors) }
            do {
                try state.index.add(ids: written.map(\.1), vectors: vectors)
            } catch {
                state = try Self.rebuild(store: store, space: space, kind: indexKind)
            }
            for (pattern, rid, seq) in written {
                state.columns.insert(
                    rid: rid, sequence: seq, taskType: pattern.taskType, origin: pattern.origin, tags: pattern.tags, alpha: pattern.alpha,
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
                guard let seq = PatternRowCodec.sequence(of: patternID, twinID: store.twinID),
                    let rid = state.columns.rid(forSequence: seq),
                    let row = try Row.fetchOne(db, sql: "\(Self.select) WHERE rid = ?", arguments: [rid])
                else {
                    throw HiveError(.notFound, "no pattern with id \(patternID)")
                }
                var pattern = try self.pattern(from: row, terms: state.terms, db: db)
                if success { pattern.alpha += 1 } else { pattern.beta += 1 }
                try pattern.validate()
                pattern.stamp = store.clock.now()
                try db.execute(
                    sql: "UPDATE patterns SET alpha = ?, beta = ?, stamp = ? WHERE rid = ?",
                    arguments: [pattern.alpha, pattern.beta, Int64(bitPattern: pattern.stamp.packed), row[0] as Int64])
                return (pattern, row[0])
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
                let deleted = try Row.fetchAll(
                    db, sql: "DELETE FROM patterns WHERE expires_ms IS NOT NULL AND expires_ms <= ? RETURNING rid, seq, tags",
                    arguments: [now])
                return try deleted.map { row in (row[0] as Int64, row[1] as Int64, try state.terms.decodeTags(row[2], in: db)) }
            }
            for (rid, seq, tags) in rows {
                try? state.index.remove(id: rid)
                state.columns.remove(rid: rid, sequence: seq, tags: tags)
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
        let (hits, terms) = try state.withLock { state -> ([SearchHit], PatternTerms) in
            (try state.index.search(vector, k: k, filter: state.columns.vectorFilter(filter, now: now)), state.terms)
        }
        guard !hits.isEmpty else { return [] }
        // The hits are few: one statement reads them all by row id (cached per hit count), and the
        // rows are decoded straight from the cursor, without copying each row first.
        var position: [Int64: Int] = [:]
        position.reserveCapacity(hits.count)
        for (i, hit) in hits.enumerated() { position[hit.id] = i }
        var found = [Pattern?](repeating: nil, count: hits.count)
        try store.read { db in
            let placeholders = repeatElement("?", count: hits.count).joined(separator: ",")
            let select = try db.cachedStatement(sql: "\(Self.select) WHERE rid IN (\(placeholders))")
            let cursor = try Row.fetchCursor(select, arguments: StatementArguments(hits.map(\.id)))
            while let row = try cursor.next() {
                guard let i = position[row[0]] else { continue }
                found[i] = try self.pattern(from: row, terms: terms, db: db)
            }
        }
        var matches: [PatternMatch] = []
        matches.reserveCapacity(hits.count)
        for (hit, pattern) in zip(hits, found) {
            if let pattern { matches.append(PatternMatch(pattern: pattern, similarity: hit.score)) }
        }
        return matches
    }

    /// The pattern with this id, if any.
    public func pattern(id: String) throws -> Pattern? {
        guard let seq = PatternRowCodec.sequence(of: id, twinID: store.twinID) else { return nil }
        let (rid, terms) = state.withLock { ($0.columns.rid(forSequence: seq), $0.terms) }
        guard let rid else { return nil }
        return try store.read { db in
            try Row.fetchOne(db, sql: "\(Self.select) WHERE rid = ?", arguments: [rid]).map {
                try self.pattern(from: $0, terms: terms, db: db)
            }
        }
    }

    /// Local patterns good enough to offer to the hub: posterior success rate ≥ `minQuality` and
    /// at least `minObservations` recorded outcomes, unexpired, oldest first.
    public func export(minQuality: Double, minObservations: Double = 1, limit: Int = 10_000) throws -> [Pattern] {
        try Validation.check(minQuality, in: 0...1, field: "min_quality")
        try Validation.check(minObservations, in: 0...1e12, field: "min_observations")
        let now = Int64(clamping: store.nowMs)
        let terms = state.withLock { $0.terms }
        return try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    \(Self.select) WHERE origin = \(PatternRowCodec.code(Pattern.Origin.local)) AND alpha / (alpha + beta) >= ? AND alpha + beta - 2 >= ?
                    AND (expires_ms IS NULL OR expires_ms > ?) ORDER BY rid LIMIT ?
                    """,
                arguments: [minQuality, minObservations, now, max(0, limit)]
            ).map { try self.pattern(from: $0, terms: terms, db: db) }
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

    /// Columns read for a ``Pattern``, in the order ``pattern(from:)`` reads them by position.
    static let select = """
        SELECT rid, seq, task_type, origin, alpha, beta, stamp, approach, tags, context, provenance FROM patterns
        """

    /// The pattern of a row selected with ``select`` (see ``PatternRowCodec`` and ``PatternTerms``
    /// for the stored form); `terms` decodes the tag and context codes, reading `db` for codes it lacks.
    func pattern(from row: Row, terms: PatternTerms, db: Database) throws -> Pattern {
        let id = store.rowID(row[1])
        return try Pattern(
            id: id, taskType: try PatternRowCodec.taskType(row[2]), approach: try terms.decodeApproach(row[7], in: db),
            tags: try terms.decodeTags(row[8], in: db), context: try terms.decodeContext(row[9], in: db), alpha: row[4], beta: row[5],
            origin: try PatternRowCodec.origin(row[3]), provenance: try PatternRowCodec.decodeList(row[10]),
            stamp: HLCTimestamp(packed: UInt64(bitPattern: row[6]), nodeID: store.twinID))
    }

    /// Tags are stored joined by U+001F (unit separator), which ``checkTags(_:)`` keeps out of
    /// tags: decoding them on every open must not cost a JSON parse per row.
    static let tagSeparator: Character = "\u{1F}"

    static func encodeTags(_ tags: [String]) -> String { tags.joined(separator: String(tagSeparator)) }

    static func decodeTags(_ text: String) throws -> [String] {
        guard !text.isEmpty else { return [] }
        // Split on the separator byte in UTF-8 (it is ASCII, so never inside a multi-byte
        // character): splitting by `Character` runs grapheme breaking, which dominated reading hits.
        var tags: [String] = []
        var utf8 = text.utf8[...]
        while let cut = utf8.firstIndex(of: 0x1F) {
            tags.append(String(Substring(utf8[..<cut])))
            utf8 = utf8[utf8.index(after: cut)...]
        }
        tags.append(String(Substring(utf8)))
        return tags
    }

    /// JSON string lists (skills' provenance keeps this form).
    static func encodeList(_ list: [String]) throws -> String { try encodeJSON(list) }

    static func decodeList(_ text: String) throws -> [String] {
        try HiveJSON.decode([String].self, from: Array(text.utf8))
    }

    static func encodeJSON(_ value: some Encodable) throws -> String {
        String(decoding: try HiveJSON.encode(value), as: UTF8.self)
    }

    static func checkTags(_ tags: [String], field: String) throws {
        // Printable ASCII (the common case) has no control characters; only other tags need the
        // Unicode property lookup, which was the largest cost of validating an episode batch.
        for tag in tags where !tag.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
            && tag.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw HiveError(.invalidInput, "\(field) must not contain control characters: \(tag.debugDescription)")
        }
    }

}
