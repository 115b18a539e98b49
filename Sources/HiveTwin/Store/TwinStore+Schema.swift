import GRDB

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
        return migrator
    }
}
