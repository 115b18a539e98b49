import Foundation
import GRDB
import HiveCore
import HiveVectors

extension ReasoningBank {
    /// The outcome of trying the persisted index at open.
    enum PersistedIndex {
        case loaded(State)
        /// Why the file cannot be used (the index is then rebuilt from the table and saved).
        case unusable(String)
    }

    static func indexPath(store: TwinStore, kind: IndexKind) -> String { indexPath(database: store.path, kind: kind) }

    /// Where the index of `kind` for the database at `database` is persisted (`.hnsw`), or was
    /// persisted before schema v5 (`.exact`: such a file is deleted at open, see ``removeLegacyExactFile(store:)``).
    public static func indexPath(database: String, kind: IndexKind) -> String {
        switch kind {
        case .exact: database + ".patterns.qflat"
        case .hnsw: database + ".patterns.hnsw"
        }
    }

    /// The `meta` key recording `"<generation> <checksum>"` of the saved index file.
    static func recordKey(_ kind: IndexKind) -> String {
        switch kind {
        case .exact: "patterns_index_exact"
        case .hnsw: "patterns_index"
        }
    }

    /// The persisted index, if it verifies and reflects the current table; otherwise why not.
    static func loadPersisted(store: TwinStore, space: EmbeddingSpace, kind: IndexKind) throws -> PersistedIndex {
        let path = indexPath(store: store, kind: kind)
        let (generation, record, count) = try store.read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'patterns_generation'") ?? 0,
                try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [recordKey(kind)]),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM patterns") ?? 0
            )
        }
        guard let record else { return .unusable("no index was saved for this database") }
        guard FileManager.default.fileExists(atPath: path) else { return .unusable("index file \(path) is missing") }
        let parts = record.split(separator: " ")
        guard parts.count == 2, let savedGeneration = Int64(parts[0]), let checksum = UInt64(parts[1]) else {
            return .unusable("the saved index record is malformed: \(record.debugDescription)")
        }
        guard savedGeneration == generation else {
            return .unusable("index file \(path) is stale: it reflects pattern write \(savedGeneration), the table is at \(generation)")
        }
        let index: PatternIndex
        do {
            switch kind {
            case .exact: return .unusable("exact indexes are not persisted")
            case .hnsw: index = .hnsw(try HNSWIndex(contentsOf: path, expectedChecksum: checksum))
            }
        } catch let error as HiveError {
            return .unusable("index file \(path) failed verification: \(error.message)")
        }
        guard index.count == count, index.dimension == space.dimensions, index.metric == .cosine else {
            return .unusable(
                "index file \(path) holds \(index.count) vectors of \(index.dimension) dimensions (\(index.metric)); the table has \(count) of \(space.dimensions)"
            )
        }
        let (columns, terms) = try columns(store: store)
        return .loaded(State(index: index, columns: columns, terms: terms))
    }

    /// Writes an HNSW index to ``indexPath`` (atomically, through a temporary file) and records its
    /// checksum with the table generation it reflects, so the next open can load it instead of
    /// rebuilding. Call it before closing a store that was written to; an index saved before
    /// later writes is detected as stale at open and rebuilt, never used. For `.exact` it does
    /// nothing: the exact index is rebuilt from the table's int8 rows at every open (a copy of
    /// 10,000 rows takes tens of milliseconds) instead of doubling the footprint with a file.
    public func saveIndex() throws {
        try state.withLock { state in try Self.persist(state.index, store: store, kind: indexKind, generation: nil) }
    }

    /// Writes `index` (which must reflect every committed pattern write: callers hold the bank's
    /// lock or have not published the bank yet) and records its checksum with the generation.
    /// With `generation` (the one the index was built at), nothing is recorded if the table has
    /// moved on since, so a file that misses a write is never marked current.
    static func persist(_ index: PatternIndex, store: TwinStore, kind: IndexKind, generation built: Int64?) throws {
        let path = indexPath(store: store, kind: kind)
        let checksum: UInt64
        switch (index, kind) {
        case (.hnsw(let index), .hnsw): checksum = try index.save(to: path)
        default: return
        }
        try store.write { db in
            let generation = try currentGeneration(db)
            if let built, built != generation { return }
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                arguments: [recordKey(kind), "\(generation) \(checksum)"])
        }
    }

    /// Deletes a `.qflat` file an older version saved for the exact index, and its record (an
    /// exact index is no longer persisted; the file would only take disk). Best effort: a file
    /// that cannot be deleted is never read again either.
    static func removeLegacyExactFile(store: TwinStore) {
        let path = indexPath(store: store, kind: .exact)
        if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Bumps the table generation inside a write that changes patterns, invalidating a persisted index.
    static func bumpGeneration(in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO meta(key, value) VALUES ('patterns_generation', 1)
                ON CONFLICT(key) DO UPDATE SET value = value + 1
                """)
    }

    static let columnsSelect = "SELECT rid, task_type, origin, tags, alpha, beta, expires_ms, seq FROM patterns"

    static func insertColumns(_ row: Row, terms: PatternTerms, db: Database, into columns: inout PatternColumns) throws {
        columns.insert(
            rid: row[0], sequence: row[7], taskType: try PatternRowCodec.taskType(row[1]),
            origin: try PatternRowCodec.origin(row[2]), tags: try terms.decodeTags(row[3], in: db), alpha: row[4],
            beta: row[5], expiresMs: row[6])
    }

    /// The in-memory columns and the term dictionary, read in one transaction.
    static func columns(store: TwinStore) throws -> (PatternColumns, PatternTerms) {
        try store.read { db in
            let terms = try PatternTerms.load(db)
            var columns = PatternColumns()
            let cursor = try Row.fetchCursor(db, sql: columnsSelect)
            while let row = try cursor.next() { try insertColumns(row, terms: terms, db: db, into: &columns) }
            return (columns, terms)
        }
    }

    static func currentGeneration(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'patterns_generation'") ?? 0
    }

    static func rebuild(store: TwinStore, space: EmbeddingSpace, kind: IndexKind) throws -> State {
        try rebuildAtGeneration(store: store, space: space, kind: kind).state
    }

    /// The index rebuilt from the table and the table generation it reflects (one read transaction).
    static func rebuildAtGeneration(store: TwinStore, space: EmbeddingSpace, kind: IndexKind) throws -> (state: State, generation: Int64) {
        try store.read { db in
            let generation = try currentGeneration(db)
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM patterns") ?? 0
            let terms = try PatternTerms.load(db)
            var columns = PatternColumns()
            var ids: [VectorID] = []
            ids.reserveCapacity(count)
            var vectors: [Float] = []
            vectors.reserveCapacity(count * space.dimensions)
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT rid, task_type, origin, tags, alpha, beta, expires_ms, seq, vector FROM patterns")
            while let row = try cursor.next() {
                try EmbeddingCodec.decode(row[8], dimensions: space.dimensions, appendingTo: &vectors)
                ids.append(row[0])
                try insertColumns(row, terms: terms, db: db, into: &columns)
            }
            switch kind {
            case .exact:
                var index = try QuantizedFlatIndex(dimension: space.dimensions, metric: .cosine, capacity: count, rescoring: .none)
                try index.add(ids: ids, vectors: vectors)
                return (State(index: .exact(index), columns: columns, terms: terms), generation)
            case .hnsw(let m, let efConstruction, let efSearch):
                var index = try HNSWIndex(
                    dimension: space.dimensions, metric: .cosine, m: m, efConstruction: efConstruction, efSearch: efSearch,
                    capacity: count)
                try index.add(ids: ids, vectors: vectors)
                return (State(index: .hnsw(index), columns: columns, terms: terms), generation)
            }
        }
    }
}
