import Foundation
import GRDB
import HiveCore
import HiveVectors

extension ReasoningBank {
    /// The outcome of trying the persisted index at open.
    enum PersistedIndex {
        case loaded(State)
        /// Why the file cannot be used (the index is then rebuilt from the table), and whether
        /// an index was ever saved for this database (persistence is then kept up).
        case unusable(String, saved: Bool)
    }

    static func indexPath(store: TwinStore, kind: IndexKind) -> String { indexPath(database: store.path, kind: kind) }

    /// Where the index of `kind` for the database at `database` is persisted.
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
        guard let record else { return .unusable("no index was saved for this database", saved: false) }
        guard FileManager.default.fileExists(atPath: path) else { return .unusable("index file \(path) is missing", saved: true) }
        let parts = record.split(separator: " ")
        guard parts.count == 2, let savedGeneration = Int64(parts[0]), let checksum = UInt64(parts[1]) else {
            return .unusable("the saved index record is malformed: \(record.debugDescription)", saved: true)
        }
        guard savedGeneration == generation else {
            return .unusable("index file \(path) is stale: it reflects pattern write \(savedGeneration), the table is at \(generation)", saved: true)
        }
        let index: PatternIndex
        do {
            switch kind {
            case .exact:
                let exact = try QuantizedFlatIndex(contentsOf: path, expectedChecksum: checksum)
                // A file from before the int8-only mode rescored against f32 rows; its order can
                // differ from an index built from the (int8) table, so rebuild (and re-save) instead.
                guard exact.rescoring == .none else {
                    return .unusable("index file \(path) keeps f32 rows (written before int8-only indexes)", saved: true)
                }
                index = .exact(exact)
            case .hnsw: index = .hnsw(try HNSWIndex(contentsOf: path, expectedChecksum: checksum))
            }
        } catch let error as HiveError {
            return .unusable("index file \(path) failed verification: \(error.message)", saved: true)
        }
        guard index.count == count, index.dimension == space.dimensions, index.metric == .cosine else {
            return .unusable(
                "index file \(path) holds \(index.count) vectors of \(index.dimension) dimensions (\(index.metric)); the table has \(count) of \(space.dimensions)", saved: true
            )
        }
        return .loaded(State(index: index, columns: try columns(store: store)))
    }

    /// Writes the index to ``indexPath`` (atomically, through a temporary file) and records its
    /// checksum with the table generation it reflects, so the next open can load it instead of
    /// rebuilding. Call it before closing a store that was written to; an index saved before
    /// later writes is detected as stale at open and rebuilt, never used.
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
        switch index {
        case .exact(let index): checksum = try index.save(to: path)
        case .hnsw(let index): checksum = try index.save(to: path)
        }
        try store.write { db in
            let generation = try currentGeneration(db)
            if let built, built != generation { return }
            try db.execute(
                sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                arguments: [recordKey(kind), "\(generation) \(checksum)"])
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

    static let columnsSelect = "SELECT rid, task_type, origin, tags, alpha, beta, expires_ms FROM patterns"

    static func insertColumns(_ row: Row, into columns: inout PatternColumns) throws {
        columns.insert(
            rid: row[0], taskType: try PatternRowCodec.taskType(row[1]), origin: try PatternRowCodec.origin(row[2]),
            tags: try decodeTags(row[3]), alpha: row[4], beta: row[5], expiresMs: row[6])
    }

    static func columns(store: TwinStore) throws -> PatternColumns {
        try store.read { db in
            var columns = PatternColumns()
            let cursor = try Row.fetchCursor(db, sql: columnsSelect)
            while let row = try cursor.next() { try insertColumns(row, into: &columns) }
            return columns
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
            var columns = PatternColumns()
            var ids: [VectorID] = []
            ids.reserveCapacity(count)
            var vectors: [Float] = []
            vectors.reserveCapacity(count * space.dimensions)
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT rid, task_type, origin, tags, alpha, beta, expires_ms, vector FROM patterns")
            while let row = try cursor.next() {
                try EmbeddingCodec.decode(row[7], dimensions: space.dimensions, appendingTo: &vectors)
                ids.append(row[0])
                try insertColumns(row, into: &columns)
            }
            switch kind {
            case .exact:
                var index = try QuantizedFlatIndex(dimension: space.dimensions, metric: .cosine, capacity: count, rescoring: .none)
                try index.add(ids: ids, vectors: vectors)
                return (State(index: .exact(index), columns: columns), generation)
            case .hnsw(let m, let efConstruction, let efSearch):
                var index = try HNSWIndex(
                    dimension: space.dimensions, metric: .cosine, m: m, efConstruction: efConstruction, efSearch: efSearch,
                    capacity: count)
                try index.add(ids: ids, vectors: vectors)
                return (State(index: .hnsw(index), columns: columns), generation)
            }
        }
    }
}
