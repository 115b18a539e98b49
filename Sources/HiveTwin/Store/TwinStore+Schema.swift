import Foundation
import GRDB
import HiveCore

extension TwinStore {
    /// The schema, as numbered migrations. Never edit a shipped migration; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
                    CREATE TABLE id_sequence(id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL);
                    INSERT INTO id_sequence(id, next) VALUES (1, 1);

                    -- ReflexionMemory. input, output and critique are AES-GCM sealed.
                    CREATE TABLE episodes(
                        id TEXT PRIMARY KEY NOT NULL,
                        session_id TEXT NOT NULL,
                        task TEXT NOT NULL,
                        input BLOB NOT NULL,
                        output BLOB NOT NULL,
                        critique BLOB NOT NULL,
                        reward REAL NOT NULL CHECK (reward >= 0 AND reward <= 1),
                        success INTEGER NOT NULL,
                        latency_ms REAL NOT NULL,
                        tags TEXT NOT NULL,
                        stamp TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        expires_ms INTEGER
                    );
                    CREATE INDEX episodes_task ON episodes(task, created_ms);
                    CREATE INDEX episodes_created ON episodes(created_ms);
                    CREATE INDEX episodes_expiry ON episodes(expires_ms) WHERE expires_ms IS NOT NULL;
                    -- One embedding per distinct task text; the task index (keyed by rid) is derived from it.
                    CREATE TABLE task_embeddings(
                        rid INTEGER PRIMARY KEY,
                        task TEXT NOT NULL UNIQUE,
                        vector BLOB NOT NULL
                    );

                    -- SkillLibrary: every version is a row; one current version per name.
                    CREATE TABLE skills(
                        rid INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        description TEXT NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        parent_id TEXT,
                        current INTEGER NOT NULL,
                        success_rate REAL NOT NULL,
                        uses INTEGER NOT NULL,
                        mean_reward REAL NOT NULL,
                        source_episode_ids TEXT NOT NULL,
                        stamp TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        expires_ms INTEGER,
                        vector BLOB NOT NULL
                    );
                    CREATE UNIQUE INDEX skills_current_name ON skills(name) WHERE current = 1;
                    CREATE UNIQUE INDEX skills_name_version ON skills(name, version);

                    -- ReasoningBank. vector: int8-quantised embedding (see EmbeddingCodec); the
                    -- vector index is keyed by rid, a stable rowid alias.
                    CREATE TABLE patterns(
                        rid INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        task_type TEXT NOT NULL,
                        approach TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        context TEXT NOT NULL,
                        alpha REAL NOT NULL CHECK (alpha >= 1),
                        beta REAL NOT NULL CHECK (beta >= 1),
                        origin TEXT NOT NULL,
                        provenance TEXT NOT NULL,
                        stamp TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        expires_ms INTEGER,
                        vector BLOB NOT NULL
                    );
                    CREATE INDEX patterns_expiry ON patterns(expires_ms) WHERE expires_ms IS NOT NULL;

                    -- TwinSnapshot: one row per key; change_seq orders local changes for diff(since:).
                    CREATE TABLE snapshot(
                        key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL,
                        stamp TEXT NOT NULL,
                        change_seq INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX snapshot_change ON snapshot(change_seq);
                    -- Values that lost a merge stay readable here.
                    CREATE TABLE snapshot_conflicts(
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        key TEXT NOT NULL,
                        value TEXT NOT NULL,
                        stamp TEXT NOT NULL,
                        winner_stamp TEXT NOT NULL,
                        recorded_ms INTEGER NOT NULL
                    );
                    CREATE INDEX snapshot_conflicts_key ON snapshot_conflicts(key, seq);

                    -- OfflineEnvelopeStore: outbox in enqueue order, inbox for deduplication.
                    CREATE TABLE outbox(
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        envelope_id TEXT NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        envelope BLOB NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_ms INTEGER NOT NULL,
                        last_error TEXT,
                        created_ms INTEGER NOT NULL,
                        delivered_ms INTEGER
                    );
                    CREATE INDEX outbox_state ON outbox(state, seq);
                    CREATE TABLE inbox(
                        envelope_id TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        signer TEXT NOT NULL,
                        received_ms INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX inbox_received ON inbox(received_ms);
                    """)
        }
        migrator.registerMigration("v2-compact-patterns") { db in try migrateCompactPatterns(db) }
        migrator.registerMigration("v3-episodes-one-seal") { db in try migrateEpisodesOneSeal(db) }
        migrator.registerMigration("v4-compact-episodes") { db in try migrateCompactEpisodes(db) }
        migrator.registerMigration("v5-pattern-terms") { db in try migratePatternTerms(db) }
        migrator.registerMigration("v6-pattern-approach-codes") { db in try migratePatternApproachCodes(db) }
        return migrator
    }

    /// v2: patterns in the compact row form of ``PatternRowCodec`` — the id as its sequence
    /// number, the stamp as its packed integer, codes for task type and origin, binary context and
    /// provenance, no `created_ms` (the stamp carries the time). At 10,000 patterns the table
    /// shrinks from ~670 to ~525 bytes a row, most of what is left being the 388-byte int8 vector.
    /// Existing rows are converted in the migration's transaction; a row that does not belong to
    /// the store's twin stops the migration (nothing is changed) with ``HiveError/Code/inconsistent``.
    static func migrateCompactPatterns(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE patterns_v2(
                    rid INTEGER PRIMARY KEY,
                    seq INTEGER NOT NULL UNIQUE,
                    task_type INTEGER NOT NULL,
                    origin INTEGER NOT NULL,
                    alpha REAL NOT NULL CHECK (alpha >= 1),
                    beta REAL NOT NULL CHECK (beta >= 1),
                    stamp INTEGER NOT NULL,
                    expires_ms INTEGER,
                    approach TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    context BLOB NOT NULL,
                    provenance BLOB NOT NULL,
                    vector BLOB NOT NULL
                );
                """)
        let owner = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'twin_id'")
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT rid, id, task_type, approach, tags, context, alpha, beta, origin, provenance, stamp, expires_ms, vector FROM patterns")
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO patterns_v2(rid, seq, task_type, origin, alpha, beta, stamp, expires_ms, approach, tags,
                                        context, provenance, vector)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        while let row = try rows.next() {
            let id: String = row["id"]
            guard let owner, let seq = PatternRowCodec.sequence(of: id, twinID: owner) else {
                throw HiveError(.inconsistent, "pattern \(id) is not a row id of this store's twin; cannot migrate")
            }
            guard let stamp = HLCTimestamp(row["stamp"] as String), stamp.nodeID == owner else {
                throw HiveError(.inconsistent, "pattern \(id) has a stamp from another node; cannot migrate")
            }
            guard let type = Pattern.TaskType(rawValue: row["task_type"]), let origin = Pattern.Origin(rawValue: row["origin"]) else {
                throw HiveError(.malformed, "pattern \(id) has an unknown task type or origin")
            }
            let context = try HiveJSON.decode(Pattern.Context.self, from: Array((row["context"] as String).utf8))
            let provenance = try HiveJSON.decode([String].self, from: Array((row["provenance"] as String).utf8))
            try insert.execute(arguments: [
                row["rid"] as Int64, seq, PatternRowCodec.code(type), PatternRowCodec.code(origin), row["alpha"] as Double,
                row["beta"] as Double, Int64(bitPattern: stamp.packed), row["expires_ms"] as Int64?, row["approach"] as String,
                row["tags"] as String, PatternRowCodec.encode(context), PatternRowCodec.encode(provenance), row["vector"] as Data,
            ])
        }
        try db.execute(
            sql: """
                DROP TABLE patterns;
                ALTER TABLE patterns_v2 RENAME TO patterns;
                CREATE INDEX patterns_expiry ON patterns(expires_ms) WHERE expires_ms IS NOT NULL;
                INSERT INTO meta(key, value) VALUES ('patterns_generation', 1)
                ON CONFLICT(key) DO UPDATE SET value = value + 1;
                """)
    }

    /// v3: an episode's private fields are one sealed blob (`sealed`, see ``EpisodePrivateFields``)
    /// instead of three separately sealed columns, so a write costs one AES-GCM seal, not three.
    /// The migration has no key, so existing rows keep their v1 ciphertexts, reframed as format 1
    /// (still readable, still bound to their ids); new rows are format 2.
    static func migrateEpisodesOneSeal(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE episodes_v3(
                    id TEXT PRIMARY KEY NOT NULL,
                    session_id TEXT NOT NULL,
                    task TEXT NOT NULL,
                    sealed BLOB NOT NULL,
                    reward REAL NOT NULL CHECK (reward >= 0 AND reward <= 1),
                    success INTEGER NOT NULL,
                    latency_ms REAL NOT NULL,
                    tags TEXT NOT NULL,
                    stamp TEXT NOT NULL,
                    created_ms INTEGER NOT NULL,
                    expires_ms INTEGER
                );
                """)
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT id, session_id, task, input, output, critique, reward, success, latency_ms, tags, stamp, created_ms,
                       expires_ms FROM episodes ORDER BY rowid
                """)
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO episodes_v3(id, session_id, task, sealed, reward, success, latency_ms, tags, stamp, created_ms,
                                        expires_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        while let row = try rows.next() {
            let sealed = EpisodePrivateFields.legacy(input: row["input"], output: row["output"], critique: row["critique"])
            try insert.execute(arguments: [
                row["id"] as String, row["session_id"] as String, row["task"] as String, sealed, row["reward"] as Double,
                row["success"] as Bool, row["latency_ms"] as Double, row["tags"] as String, row["stamp"] as String,
                row["created_ms"] as Int64, row["expires_ms"] as Int64?,
            ])
        }
        try db.execute(
            sql: """
                DROP TABLE episodes;
                ALTER TABLE episodes_v3 RENAME TO episodes;
                CREATE INDEX episodes_task ON episodes(task, created_ms);
                CREATE INDEX episodes_created ON episodes(created_ms);
                CREATE INDEX episodes_expiry ON episodes(expires_ms) WHERE expires_ms IS NOT NULL;
                """)
    }

    /// v4: episodes keyed by their sequence number (the row id is `<twin id>-<seq>`, as for
    /// patterns), the task as its `task_embeddings.rid`, the stamp as its packed HLC value. The
    /// text id (with its UNIQUE index), the task text (in the row and in `episodes_task`) and the
    /// 43-byte text stamp were most of a row besides the sealed blob; a batched write now updates
    /// the table and two integer indexes instead of three indexes, two of them on text.
    /// Sealed blobs are kept as they are (still bound to the same id strings). A row whose id or
    /// stamp belongs to another twin, or whose task has no embedding row, stops the migration
    /// (nothing is changed) with ``HiveError/Code/inconsistent``.
    static func migrateCompactEpisodes(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE episodes_v4(
                    seq INTEGER PRIMARY KEY,
                    task_rid INTEGER NOT NULL,
                    session_id TEXT NOT NULL,
                    reward REAL NOT NULL CHECK (reward >= 0 AND reward <= 1),
                    success INTEGER NOT NULL,
                    latency_ms REAL NOT NULL,
                    stamp INTEGER NOT NULL,
                    created_ms INTEGER NOT NULL,
                    expires_ms INTEGER,
                    tags TEXT NOT NULL,
                    sealed BLOB NOT NULL
                );
                """)
        let owner = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'twin_id'")
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT e.id, t.rid AS task_rid, e.session_id, e.reward, e.success, e.latency_ms, e.stamp, e.created_ms,
                       e.expires_ms, e.tags, e.sealed
                FROM episodes e LEFT JOIN task_embeddings t ON t.task = e.task ORDER BY e.rowid
                """)
        let insert = try PositionalInsert(
            db,
            sql: """
                INSERT INTO episodes_v4(seq, task_rid, session_id, reward, success, latency_ms, stamp, created_ms,
                                        expires_ms, tags, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        while let row = try rows.next() {
            let id: String = row["id"]
            guard let owner, let seq = PatternRowCodec.sequence(of: id, twinID: owner) else {
                throw HiveError(.inconsistent, "episode \(id) is not a row id of this store's twin; cannot migrate")
            }
            guard let stamp = HLCTimestamp(row["stamp"] as String), stamp.nodeID == owner else {
                throw HiveError(.inconsistent, "episode \(id) has a stamp from another node; cannot migrate")
            }
            guard let taskRID = row["task_rid"] as Int64? else {
                throw HiveError(.inconsistent, "episode \(id) has a task with no embedding row; cannot migrate")
            }
            try insert.execute(
                seq, taskRID, row["session_id"] as String, row["reward"] as Double, row["success"] as Int64,
                row["latency_ms"] as Double, Int64(bitPattern: stamp.packed), row["created_ms"] as Int64,
                row["expires_ms"] as Int64?, row["tags"] as String, row["sealed"] as Data)
        }
        insert.finish()
        try db.execute(
            sql: """
                DROP TABLE episodes;
                ALTER TABLE episodes_v4 RENAME TO episodes;
                CREATE INDEX episodes_task ON episodes(task_rid);
                CREATE INDEX episodes_created ON episodes(created_ms);
                CREATE INDEX episodes_expiry ON episodes(expires_ms) WHERE expires_ms IS NOT NULL;
                """)
    }

    /// v5: a pattern row's tags and context hold codes into `pattern_terms` (``PatternTerms``)
    /// instead of the tag text and length-prefixed strings, and `seq` loses its UNIQUE index (the
    /// bank maps sequence numbers to row ids in memory; see ``PatternColumns``). Row ids, vectors
    /// and every other field are kept as they are, so a persisted HNSW index stays valid. The
    /// record of a persisted exact index is dropped: exact indexes are rebuilt from the table at
    /// every open since v5 (the bank deletes the old file).
    static func migratePatternTerms(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE pattern_terms(code INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
                CREATE TABLE patterns_v5(
                    rid INTEGER PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    task_type INTEGER NOT NULL,
                    origin INTEGER NOT NULL,
                    alpha REAL NOT NULL CHECK (alpha >= 1),
                    beta REAL NOT NULL CHECK (beta >= 1),
                    stamp INTEGER NOT NULL,
                    expires_ms INTEGER,
                    approach TEXT NOT NULL,
                    tags BLOB NOT NULL,
                    context BLOB NOT NULL,
                    provenance BLOB NOT NULL,
                    vector BLOB NOT NULL
                );
                """)
        var terms = PatternTerms()
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT rid, seq, task_type, origin, alpha, beta, stamp, expires_ms, approach, tags, context, provenance, vector
                FROM patterns ORDER BY rid
                """)
        let insert = try PositionalInsert(
            db,
            sql: """
                INSERT INTO patterns_v5(rid, seq, task_type, origin, alpha, beta, stamp, expires_ms, approach, tags,
                                        context, provenance, vector)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        while let row = try rows.next() {
            let tags = try terms.encode(tags: try ReasoningBank.decodeTags(row[9]), in: db)
            let context = try terms.encode(context: try PatternRowCodec.decodeContext(row[10]), in: db)
            try insert.execute(
                row[0] as Int64, row[1] as Int64, row[2] as Int64, row[3] as Int64, row[4] as Double, row[5] as Double,
                row[6] as Int64, row[7] as Int64?, row[8] as String, tags, context, row[11] as Data, row[12] as Data)
        }
        insert.finish()
        try db.execute(
            sql: """
                DROP TABLE patterns;
                ALTER TABLE patterns_v5 RENAME TO patterns;
                CREATE INDEX patterns_expiry ON patterns(expires_ms) WHERE expires_ms IS NOT NULL;
                DELETE FROM meta WHERE key = 'patterns_index_exact';
                """)
    }

    /// v6: a pattern row's approach is word codes into `pattern_terms` (``PatternTerms``, see
    /// `PatternTerms+Approach.swift`) and its vector is the int8 codes without the 4-byte scale
    /// (``EmbeddingCodec``: decoding scales the codes to unit length, the direction the scale gave).
    /// At 10,000 patterns a row drops from ~491 to ~445 bytes, so a 4 KiB page holds 9 rows
    /// instead of 8. Row ids, sequence numbers and every other field are kept, and the vectors'
    /// directions are unchanged, so a persisted HNSW index stays valid. The text is read as its
    /// bytes and must be UTF-8. A row whose
    /// vector is too short to hold a scale and codes stops the migration (nothing is changed) with
    /// ``HiveError/Code/malformed``.
    static func migratePatternApproachCodes(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE patterns_v6(
                    rid INTEGER PRIMARY KEY,
                    seq INTEGER NOT NULL,
                    task_type INTEGER NOT NULL,
                    origin INTEGER NOT NULL,
                    alpha REAL NOT NULL CHECK (alpha >= 1),
                    beta REAL NOT NULL CHECK (beta >= 1),
                    stamp INTEGER NOT NULL,
                    expires_ms INTEGER,
                    approach BLOB NOT NULL,
                    tags BLOB NOT NULL,
                    context BLOB NOT NULL,
                    provenance BLOB NOT NULL,
                    vector BLOB NOT NULL
                );
                """)
        var terms = try PatternTerms.load(db)
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT rid, seq, task_type, origin, alpha, beta, stamp, expires_ms, CAST(approach AS BLOB), tags, context,
                       provenance, vector
                FROM patterns ORDER BY rid
                """)
        let insert = try PositionalInsert(
            db,
            sql: """
                INSERT INTO patterns_v6(rid, seq, task_type, origin, alpha, beta, stamp, expires_ms, approach, tags,
                                        context, provenance, vector)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        while let row = try rows.next() {
            let rid: Int64 = row[0]
            // As bytes: a text read as a C string would end at a NUL (GRDB binds text that way, so
            // v5 rows hold none, but the migration need not rely on it).
            guard let text = String(validating: (row[8] as Data?) ?? Data(), as: UTF8.self) else {
                throw HiveError(.malformed, "pattern row \(rid): the approach is not UTF-8")
            }
            let approach = try terms.encode(approach: text, in: db)
            let vector = try EmbeddingCodec.stripLegacyScale(row[12], what: "pattern row \(rid)")
            try insert.execute(
                rid, row[1] as Int64, row[2] as Int64, row[3] as Int64, row[4] as Double, row[5] as Double,
                row[6] as Int64, row[7] as Int64?, approach, row[9] as Data, row[10] as Data, row[11] as Data, vector)
        }
        insert.finish()
        try db.execute(
            sql: """
                DROP TABLE patterns;
                ALTER TABLE patterns_v6 RENAME TO patterns;
                CREATE INDEX patterns_expiry ON patterns(expires_ms) WHERE expires_ms IS NOT NULL;
                """)
    }
}
