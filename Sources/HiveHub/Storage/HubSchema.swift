/// The hub schema, once per dialect. Same tables and columns in both, so the shared test suite
/// exercises the same behaviour.
///
/// - `envelopes` keeps every accepted envelope id forever: it is the replay memory
///   (`pending` 1 = waiting for a round, 0 = consumed or not aggregated, 2 = expired by prune).
/// - `feed` is the publication log SSE streams and sync pulls read; `seq` is the cursor.
enum HubSchema {
    /// Sync pulls read the feed by kind after a cursor (`seq > ? AND kind IN (…) ORDER BY seq`).
    /// Without this index a pull scanned every feed row after the cursor, and a twin whose
    /// cursor sat before 100K `twin.registered` events (nothing pullable after it, so the cursor
    /// never moved) scanned all of them on every pull. Same statement on both backends.
    static let feedKindIndex = "CREATE INDEX IF NOT EXISTS feed_kind_seq ON feed (kind, seq)"

    static let sqlite: [String] = [
        """
        CREATE TABLE twins (
            id TEXT PRIMARY KEY, public_key TEXT NOT NULL, user_id TEXT NOT NULL, metadata TEXT NOT NULL,
            registered_at INTEGER NOT NULL, reputation REAL NOT NULL, blocked BOOLEAN NOT NULL,
            last_sync_at INTEGER, accepted_count INTEGER NOT NULL, rejected_count INTEGER NOT NULL)
        """,
        "CREATE TABLE challenges (challenge TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
        """
        CREATE TABLE envelopes (
            id TEXT PRIMARY KEY, twin_id TEXT NOT NULL REFERENCES twins(id), kind TEXT NOT NULL, payload TEXT NOT NULL,
            signer TEXT NOT NULL, signature TEXT NOT NULL, stamp TEXT NOT NULL, received_at INTEGER NOT NULL,
            pending INTEGER NOT NULL)
        """,
        "CREATE INDEX envelopes_pending ON envelopes (pending, kind)",
        """
        CREATE TABLE skills (
            trace_id TEXT PRIMARY KEY, twin_id TEXT NOT NULL REFERENCES twins(id), intent TEXT NOT NULL,
            envelope_id TEXT NOT NULL, envelope TEXT NOT NULL, created_at INTEGER NOT NULL)
        """,
        """
        CREATE TABLE feed (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, twin_id TEXT, ref TEXT NOT NULL,
            data TEXT NOT NULL, created_at INTEGER NOT NULL)
        """,
        """
        CREATE TABLE patterns (
            id TEXT PRIMARY KEY, round INTEGER NOT NULL, priority TEXT NOT NULL, priority_rank INTEGER NOT NULL,
            quality REAL NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL)
        """,
        """
        CREATE TABLE model_versions (
            version INTEGER PRIMARY KEY, dimension INTEGER NOT NULL, round INTEGER NOT NULL, rows INTEGER NOT NULL,
            created_at INTEGER NOT NULL)
        """,
        "CREATE TABLE model_rows (item TEXT PRIMARY KEY, version INTEGER NOT NULL, vector TEXT NOT NULL)",
        "CREATE INDEX model_rows_version ON model_rows (version)",
        """
        CREATE TABLE rounds (
            round INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
            updates_used INTEGER NOT NULL, patterns_considered INTEGER NOT NULL,
            patterns_consolidated INTEGER NOT NULL, model_version INTEGER NOT NULL)
        """,
    ]

    static let postgres: [String] = [
        """
        CREATE TABLE twins (
            id TEXT PRIMARY KEY, public_key TEXT NOT NULL, user_id TEXT NOT NULL, metadata TEXT NOT NULL,
            registered_at BIGINT NOT NULL, reputation DOUBLE PRECISION NOT NULL, blocked BOOLEAN NOT NULL,
            last_sync_at BIGINT, accepted_count BIGINT NOT NULL, rejected_count BIGINT NOT NULL)
        """,
        "CREATE TABLE challenges (challenge TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
        """
        CREATE TABLE envelopes (
            id TEXT PRIMARY KEY, twin_id TEXT NOT NULL REFERENCES twins(id), kind TEXT NOT NULL, payload TEXT NOT NULL,
            signer TEXT NOT NULL, signature TEXT NOT NULL, stamp TEXT NOT NULL, received_at BIGINT NOT NULL,
            pending INTEGER NOT NULL)
        """,
        "CREATE INDEX envelopes_pending ON envelopes (pending, kind)",
        """
        CREATE TABLE skills (
            trace_id TEXT PRIMARY KEY, twin_id TEXT NOT NULL REFERENCES twins(id), intent TEXT NOT NULL,
            envelope_id TEXT NOT NULL, envelope TEXT NOT NULL, created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE feed (
            seq BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, twin_id TEXT, ref TEXT NOT NULL,
            data TEXT NOT NULL, created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE patterns (
            id TEXT PRIMARY KEY, round BIGINT NOT NULL, priority TEXT NOT NULL, priority_rank INTEGER NOT NULL,
            quality DOUBLE PRECISION NOT NULL, data TEXT NOT NULL, created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE model_versions (
            version BIGINT PRIMARY KEY, dimension INTEGER NOT NULL, round BIGINT NOT NULL, rows INTEGER NOT NULL,
            created_at BIGINT NOT NULL)
        """,
        "CREATE TABLE model_rows (item TEXT PRIMARY KEY, version BIGINT NOT NULL, vector TEXT NOT NULL)",
        "CREATE INDEX model_rows_version ON model_rows (version)",
        """
        CREATE TABLE rounds (
            round BIGINT PRIMARY KEY, started_at BIGINT NOT NULL, duration_ms BIGINT NOT NULL,
            updates_used INTEGER NOT NULL, patterns_considered INTEGER NOT NULL,
            patterns_consolidated INTEGER NOT NULL, model_version BIGINT NOT NULL)
        """,
    ]
}
