import Foundation
import HiveCore
import HiveLedger
import HiveLedgerStorage
import Logging
import PostgresNIO
import Synchronization

/// ``HubStore`` on PostgreSQL through postgres-nio, for several hub replicas sharing one
/// database.
///
/// - Every writer that appends to the feed first takes a transaction-scoped advisory lock, so
///   feed sequence numbers become visible in commit order and a cursor never skips a row that
///   commits late.
/// - Aggregation rounds take a second advisory lock with `pg_try_advisory_xact_lock`: one
///   replica runs a round, the others return `ran == false` at once.
///
/// - Every feed append also sends `NOTIFY` on ``feedChannel`` (delivered at commit, dropped on
///   rollback); ``listenForFeed()`` turns those into ``feedSignal`` wake-ups on every replica.
///
/// The ``client`` must be running (`client.run()`, or as a service in the `ServiceGroup`).
public final class PostgresHubStore: HubStore, FeedSignalling {
    public let backend = "postgresql"
    /// Raised for every NOTIFY on ``feedChannel`` while ``listenForFeed()`` runs: events
    /// committed by any replica wake this replica's SSE streams.
    public let feedSignal = FeedSignal()
    private let listening = Mutex(false)
    /// The connection pool; run it as a service.
    public let client: PostgresClient
    private let logger: Logger
    private let schema: String?
    /// Signs ledger tree heads (the hub key); without one, entries are logged but no receipts given.
    let ledgerSigner: (any TreeHeadSigner)?
    public let ledger: any LedgerStorage
    /// Concurrent ingests share transactions (see ``GroupCommit``).
    let ingestCommit: GroupCommit<IngestBatch.Request, IngestReport>
    /// Writes one batch of ingests (what ``ingestCommit`` runs).
    let ingestWriter: IngestBatchWriter

    static let feedLock: Int64 = 0x4869_7665_0001
    static let roundLock: Int64 = 0x4869_7665_0002
    static let migrationLock: Int64 = 0x4869_7665_0003

    /// Advisory locks are database-wide; hubs in different schemas of one database are
    /// independent deployments and must not serialise each other's rounds, so the keys are
    /// salted with the schema (FNV-1a). Replicas of one hub share the schema, hence the keys.
    private var lockSalt: Int64 { Self.lockSalt(schema: schema) }

    private static func lockSalt(schema: String?) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (schema ?? "public").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int64(bitPattern: hash & 0x7fff_ffff_0000_0000)
    }
    private var feedLock: Int64 { Self.feedLock ^ lockSalt }
    private var roundLock: Int64 { Self.roundLock ^ lockSalt }
    private var migrationLock: Int64 { Self.migrationLock ^ lockSalt }

    /// - Parameters:
    ///   - url: `postgres://user[:password]@host[:port]/database[?sslmode=require]`.
    ///   - schema: a schema to create and use instead of `public` (tests isolate themselves with it).
    ///   - ledgerSigner: signs ledger tree heads (the hub key).
    public init(url: String, schema: String? = nil, ledgerSigner: (any TreeHeadSigner)? = nil, logger: Logger) throws {
        self.ledgerSigner = ledgerSigner
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw HiveError(.invalidInput, "database URL must look like postgres://user@host:port/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let requireTLS = components.queryItems?.contains { $0.name == "sslmode" && $0.value == "require" } ?? false
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        if let schema {
            guard !schema.isEmpty, schema.count <= 48,
                schema.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
            else { throw HiveError(.invalidInput, "schema must be lowercase letters, digits and _") }
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        self.schema = schema
        self.logger = logger
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.ledger = PostgresLedgerStore(client: client, logger: logger)
        let batchWriter = IngestBatchWriter(
            client: client, logger: logger, signer: ledgerSigner, feedLock: Self.feedLock ^ Self.lockSalt(schema: schema))
        ingestWriter = batchWriter
        ingestCommit = IngestBatch.commit { requests in
            do {
                return try await batchWriter.write(requests)
            } catch let error as PostgresTransactionError where error.closureError != nil && error.rollbackError == nil {
                throw (error.closureError as? HiveError) ?? Self.describe(error.closureError ?? error)
            } catch let error as HiveError {
                throw error
            } catch {
                throw Self.describe(error)
            }
        }
    }

    /// What a batch of ingests needs of the store, without the store itself.
    struct IngestBatchWriter: Sendable {
        let client: PostgresClient
        let logger: Logger
        let signer: (any TreeHeadSigner)?
        let feedLock: Int64
        /// Plain batches in one statement; the transaction below writes the rest.
        let fastPath = PostgresIngestFastPath()

        func write(_ requests: [IngestBatch.Request]) async throws -> [Result<IngestReport, any Error>] {
            if let signer, let answers = await fastPath.write(requests, client: client, signer: signer, logger: logger) {
                return answers
            }
            let answers = try await client.withTransaction(logger: logger) { connection in
                try await PostgresHubStore.ingestBatch(requests, connection, signer: signer, feedLock: feedLock, logger: logger)
            }
            if answers.contains(where: { (try? $0.get())?.outcomes.contains(.accepted) == true }) { fastPath.ledgerMoved() }
            return answers
        }
    }

    private func io<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresTransactionError where error.closureError != nil && error.rollbackError == nil {
            // Our own error thrown inside a transaction (after a clean rollback): pass it through unchanged.
            switch error.closureError {
            case let hive as HiveError: throw hive
            case let expired as ChallengeExpired: throw expired
            default: throw Self.describe(error.closureError ?? error)
            }
        } catch let error as HiveError {
            throw error
        } catch let error as ChallengeExpired {
            throw error
        } catch {
            throw Self.describe(error)
        }
    }

    /// A storage failure as a `HiveError(.io)`; PSQLError's own description hides the server message.
    static func describe(_ error: any Error) -> HiveError {
        if let psql = error as? PSQLError {
            return HiveError(.io, "database: \(psql.serverInfo?[.message] ?? String(describing: psql.code))")
        }
        if let transaction = error as? PostgresTransactionError {
            return describe(transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? transaction.rollbackError ?? error)
        }
        return HiveError(.io, "database: \(error)")
    }

    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await io { try await client.withTransaction(logger: logger) { connection in try await body(connection) } }
    }

    public func migrate() async throws {
        if let schema {
            _ = try await io { try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger) }
        }
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS hub_migrations (version INTEGER PRIMARY KEY)", logger: logger)
            var applied = false
            for try await _ in try await connection.query("SELECT version FROM hub_migrations WHERE version = 1", logger: logger) {
                applied = true
            }
            if !applied {
                for statement in HubSchema.postgres {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO hub_migrations (version) VALUES (1)", logger: logger)
            }
            // v2: rejected model updates per round (idempotent, under the migration lock).
            try await connection.query(
                "ALTER TABLE rounds ADD COLUMN IF NOT EXISTS updates_rejected INTEGER NOT NULL DEFAULT 0", logger: logger)
            // v3: the feed by kind (idempotent, under the migration lock).
            try await connection.query(PostgresQuery(unsafeSQL: HubSchema.feedKindIndex), logger: logger)
            // v4: a third of each twins page kept free, so the counter updates every sync makes can stay
            // on the row's page (HOT: no new index entry, less for vacuum). Applies to pages written from now on.
            try await connection.query(
                """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = 'twins'::regclass
                                   AND 'fillfactor=70' = ANY (COALESCE(reloptions, '{}'))) THEN
                        ALTER TABLE twins SET (fillfactor = 70);
                    END IF;
                END $$
                """, logger: logger)
            // The one-statement ingest (replaced on every start, so it always matches this build).
            try await connection.query(PostgresQuery(unsafeSQL: PostgresIngestFastPath.function), logger: logger)
        }
        // The ledger's tables live beside the hub's (same schema), so hub writes can append in their transaction.
        let ledgerLogger = self.logger
        try await io {
            try await client.withConnection { connection in try await LedgerPostgres.createSchema(on: connection, logger: ledgerLogger) }
        }
    }

    public func ping() async throws {
        _ = try await io { try await client.query("SELECT 1", logger: logger) }
    }

    /// Drops the test schema (tests only).
    public func dropSchema() async throws {
        guard let schema else { return }
        _ = try await io { try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: logger) }
    }

    // MARK: Registration

    public func insertChallenge(_ challenge: String, expiresAt: Int64, nowMs: Int64) async throws {
        let logger = self.logger
        try await transaction { connection in
            // Expired challenges go as new ones come, so anonymous challenge requests cannot pile up rows.
            try await connection.query("DELETE FROM challenges WHERE expires_at <= \(nowMs)", logger: logger)
            try await connection.query(
                "INSERT INTO challenges (challenge, expires_at) VALUES (\(challenge), \(expiresAt))", logger: logger)
        }
    }

    public func register(_ twin: TwinRecord, challenge: String, nowMs: Int64) async throws -> TwinRecord {
        let metadata = try StoreCodec.json(twin.metadata)
        let logger = self.logger
        let outcome: TwinRecord? = try await transaction { connection in
            var expiresAt: Int64?
            for try await value in try await connection.query(
                "SELECT expires_at FROM challenges WHERE challenge = \(challenge) FOR UPDATE", logger: logger
            ).decode(Int64.self) { expiresAt = value }
            guard let expiresAt else { throw HiveError(.unauthorized, "unknown or already used challenge") }
            guard expiresAt > nowMs else { return nil }
            if let existing = try await Self.fetchTwin(connection, id: twin.id, logger: logger) {
                guard !existing.blocked else { throw HiveError(.forbidden, "twin \(twin.id) is blocklisted") }
                try await connection.query("DELETE FROM challenges WHERE challenge = \(challenge)", logger: logger)
                return existing
            }
            try await connection.query("DELETE FROM challenges WHERE challenge = \(challenge)", logger: logger)
            try await connection.query(
                """
                INSERT INTO twins (id, public_key, user_id, metadata, registered_at, reputation, blocked,
                                   last_sync_at, accepted_count, rejected_count)
                VALUES (\(twin.id), \(twin.publicKey), \(twin.userID), \(metadata), \(twin.registeredAt),
                        \(twin.reputation), FALSE, NULL, 0, 0)
                """, logger: logger)
            try await Self.publish(
                connection, kind: .twinRegistered, twinID: twin.id, ref: twin.id,
                data: StoreCodec.json(StoreCodec.TwinRegistered(twinID: twin.id, publicKey: twin.publicKey)), nowMs: nowMs,
                logger: logger)
            return twin
        }
        guard let outcome else { throw ChallengeExpired() }
        return outcome
    }

    // MARK: Twins

    private static let twinColumns =
        "id, public_key, user_id, metadata, registered_at, reputation, blocked, last_sync_at, accepted_count, rejected_count"

    private static func twins(_ rows: PostgresRowSequence) async throws -> [TwinRecord] {
        var result: [TwinRecord] = []
        for try await (id, key, user, metadata, registered, reputation, blocked, lastSync, accepted, rejected) in rows.decode(
            (String, String, String, String, Int64, Double, Bool, Int64?, Int64, Int64).self)
        {
            result.append(
                TwinRecord(
                    id: id, publicKey: key, userID: user, metadata: try StoreCodec.metadata(metadata), registeredAt: registered,
                    reputation: reputation, blocked: blocked, lastSyncAt: lastSync, acceptedCount: accepted,
                    rejectedCount: rejected))
        }
        return result
    }

    static func fetchTwin(_ connection: PostgresConnection, id: String, logger: Logger) async throws -> TwinRecord? {
        try await twins(
            try await connection.query("SELECT \(unescaped: twinColumns) FROM twins WHERE id = \(id)", logger: logger)
        ).first
    }

    public func twin(id: String) async throws -> TwinRecord? {
        try await io {
            try await Self.twins(try await client.query("SELECT \(unescaped: Self.twinColumns) FROM twins WHERE id = \(id)", logger: logger)).first
        }
    }

    public func twins(after cursor: String?, limit: Int) async throws -> [TwinRecord] {
        try await io {
            try await Self.twins(
                try await client.query(
                    "SELECT \(unescaped: Self.twinColumns) FROM twins WHERE id > \(cursor ?? "") ORDER BY id LIMIT \(limit)",
                    logger: logger))
        }
    }

    public func setBlocked(twinID: String, blocked: Bool, nowMs: Int64) async throws -> TwinRecord {
        let logger = self.logger
        let signer = ledgerSigner
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(feedLock))", logger: logger)
            guard var twin = try await Self.fetchTwin(connection, id: twinID, logger: logger) else {
                throw HiveError(.notFound, "no twin \(twinID)")
            }
            if twin.blocked != blocked {
                try await connection.query("UPDATE twins SET blocked = \(blocked) WHERE id = \(twinID)", logger: logger)
                try await Self.publish(
                    connection, kind: .twinBlocked, twinID: twinID, ref: twinID,
                    data: StoreCodec.json(StoreCodec.TwinBlocked(twinID: twinID, blocked: blocked)), nowMs: nowMs, logger: logger)
                twin.blocked = blocked
                _ = try await HubLedgerPostgres.record(
                    [.blocklist(twinID: twinID, blocked: blocked, nowMs: nowMs)], signer: signer, nowMs: nowMs, on: connection,
                    logger: logger)
            }
            return twin
        }
    }

    public func rank(twinID: String) async throws -> Int {
        guard let twin = try await twin(id: twinID) else { throw HiveError(.notFound, "no twin \(twinID)") }
        return try await io {
            var better: Int64 = 0
            for try await count in try await client.query(
                """
                SELECT COUNT(*)::BIGINT FROM twins
                WHERE reputation > \(twin.reputation) OR (reputation = \(twin.reputation) AND id < \(twinID))
                """, logger: logger
            ).decode(Int64.self) { better = count }
            return Int(better) + 1
        }
    }

    public func rankOrder() async throws -> [String] {
        // One row holding an array instead of one row per twin: one message and one decode for the
        // whole order, where 100,000 rows were 100,000 of each.
        try await io {
            var ids: [String] = []
            for try await array in try await client.query(
                "SELECT array_agg(id ORDER BY reputation DESC, id ASC) FROM twins", logger: logger
            ).decode([String]?.self) {
                ids = array ?? []
            }
            return ids
        }
    }

    // MARK: Feed

    /// Appends a feed event; the caller holds the feed advisory lock.
    static func publish(
        _ connection: PostgresConnection, kind: FeedEvent.Kind, twinID: String?, ref: String, data: String, nowMs: Int64,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO feed (kind, twin_id, ref, data, created_at)
            VALUES (\(kind.rawValue), \(twinID), \(ref), \(data), \(nowMs))
            """, logger: logger)
        // The search path's first schema is the hub's (see `feedChannel`); delivered at commit.
        try await connection.query("SELECT pg_notify('hive_feed_' || current_schema(), '')", logger: logger)
    }

    /// The NOTIFY channel of this hub's feed: one per schema, like the advisory-lock keys.
    public var feedChannel: String { "hive_feed_" + (schema ?? "public") }

    /// Whether ``listenForFeed()`` is subscribed right now.
    public var isListeningForFeed: Bool { listening.withLock { $0 } }

    /// Holds one pooled connection subscribed to ``feedChannel`` and raises ``feedSignal`` for
    /// each notification, until the connection fails or the task is cancelled (run it from
    /// ``PostgresFeedListener``, which reconnects). Raises the signal once on subscribing, so
    /// streams catch up on anything committed while no one listened.
    public func listenForFeed() async throws {
        defer { listening.withLock { $0 = false } }
        try await io {
            try await client.withConnection { connection in
                try await connection.listen(on: feedChannel) { notifications in
                    listening.withLock { $0 = true }
                    feedSignal.notify()
                    for try await _ in notifications { feedSignal.notify() }
                }
            }
        }
    }

    public func feed(after seq: Int64, kinds: [FeedEvent.Kind]?, twinID: String?, limit: Int) async throws -> [FeedEvent] {
        try await io {
            let kindNames = (kinds ?? FeedEvent.Kind.allCases).map(\.rawValue)
            let rows: PostgresRowSequence
            if let twinID {
                rows = try await client.query(
                    """
                    SELECT seq, kind, twin_id, ref, data, created_at FROM feed
                    WHERE seq > \(seq) AND kind = ANY(\(kindNames)) AND (twin_id IS NULL OR twin_id = \(twinID))
                    ORDER BY seq LIMIT \(limit)
                    """, logger: logger)
            } else {
                rows = try await client.query(
                    """
                    SELECT seq, kind, twin_id, ref, data, created_at FROM feed
                    WHERE seq > \(seq) AND kind = ANY(\(kindNames)) ORDER BY seq LIMIT \(limit)
                    """, logger: logger)
            }
            var events: [FeedEvent] = []
            for try await (seq, kind, twin, ref, data, created) in rows.decode((Int64, String, String?, String, String, Int64).self) {
                guard let kind = FeedEvent.Kind(rawValue: kind) else { continue }
                events.append(FeedEvent(seq: seq, kind: kind, twinID: twin, ref: ref, data: data, createdAt: created))
            }
            return events
        }
    }

    // MARK: Published data

    public func skills(limit: Int) async throws -> [SkillRecord] {
        try await fetchSkills(
            "SELECT trace_id, twin_id, intent, envelope, created_at FROM skills ORDER BY created_at DESC, trace_id LIMIT \(limit)")
    }

    public func skillIntents(afterSeq seq: Int64, limit: Int) async throws -> [SkillIntent] {
        try await io {
            var result: [SkillIntent] = []
            for try await (position, traceID, intent) in try await client.query(
                """
                SELECT f.seq, s.trace_id, s.intent FROM feed f JOIN skills s ON s.trace_id = f.ref
                WHERE f.seq > \(seq) AND f.kind = \(FeedEvent.Kind.skillPublished.rawValue) ORDER BY f.seq LIMIT \(limit)
                """, logger: logger
            ).decode((Int64, String, String).self) {
                result.append(SkillIntent(seq: position, traceID: traceID, intent: intent))
            }
            return result
        }
    }

    public func skills(traceIDs: [String]) async throws -> [SkillRecord] {
        guard !traceIDs.isEmpty else { return [] }
        return try await fetchSkills(
            "SELECT trace_id, twin_id, intent, envelope, created_at FROM skills WHERE trace_id = ANY(\(traceIDs))")
    }

    /// Skill records from a query selecting `trace_id, twin_id, intent, envelope, created_at`.
    private func fetchSkills(_ query: PostgresQuery) async throws -> [SkillRecord] {
        try await io {
            var result: [SkillRecord] = []
            for try await (traceID, twinID, intent, wire, created) in try await client.query(query, logger: logger)
                .decode((String, String, String, String, Int64).self)
            {
                let envelope = try StoreCodec.envelope(wire)
                result.append(
                    SkillRecord(
                        traceID: traceID, twinID: twinID, intent: intent, envelope: envelope,
                        trace: try envelope.decodePayload(as: SkillTrace.self), createdAt: created))
            }
            return result
        }
    }

    public func instances() async throws -> [InstanceRecord] {
        try await io {
            var result: [InstanceRecord] = []
            for try await (id, reputation, blocked, lastSync, traces) in try await client.query(
                """
                SELECT t.id, t.reputation, t.blocked, t.last_sync_at,
                       (SELECT COUNT(*) FROM skills s WHERE s.twin_id = t.id)::BIGINT
                FROM twins t ORDER BY t.reputation DESC, t.id
                """, logger: logger
            ).decode((String, Double, Bool, Int64?, Int64).self) {
                result.append(
                    InstanceRecord(instanceID: id, reputation: reputation, blocked: blocked, traceCount: traces, lastSyncAt: lastSync))
            }
            return result
        }
    }

    public func consolidatedPatterns(sinceRound: Int64, priority: ConsolidatedPattern.Priority?, limit: Int) async throws
        -> [ConsolidatedPattern]
    {
        try await io {
            let priorities = priority.map { [$0.rawValue] } ?? ConsolidatedPattern.Priority.allCases.map(\.rawValue)
            var result: [ConsolidatedPattern] = []
            for try await data in try await client.query(
                """
                SELECT data FROM patterns WHERE round > \(sinceRound) AND priority = ANY(\(priorities))
                ORDER BY priority_rank, quality DESC, id LIMIT \(limit)
                """, logger: logger
            ).decode(String.self) {
                result.append(try StoreCodec.decode(ConsolidatedPattern.self, data, what: "consolidated pattern"))
            }
            return result
        }
    }

    public func modelVersion() async throws -> (version: Int64, dimension: Int?) {
        try await io {
            var result: (Int64, Int?) = (0, nil)
            for try await (version, dimension) in try await client.query(
                "SELECT version, dimension FROM model_versions ORDER BY version DESC LIMIT 1", logger: logger
            ).decode((Int64, Int).self) { result = (version, dimension) }
            return result
        }
    }

    public func modelRows(sinceVersion: Int64, limit: Int) async throws -> [ModelRowsDelta.Row] {
        try await io {
            var rows: [ModelRowsDelta.Row] = []
            for try await (item, vector) in try await client.query(
                "SELECT item, vector FROM model_rows WHERE version > \(sinceVersion) ORDER BY item LIMIT \(limit)",
                logger: logger
            ).decode((String, String).self) {
                guard let values = ModelRowsDelta.decodeVector(vector) else {
                    throw HiveError(.inconsistent, "stored model row \(item) does not decode")
                }
                rows.append(ModelRowsDelta.Row(item: item, vector: values))
            }
            return rows
        }
    }

    // MARK: Operations

    public func runRound(nowMs: Int64, _ body: @Sendable (RoundInput) throws -> RoundOutput) async throws -> RoundRecord {
        let started = ContinuousClock.now
        let logger = self.logger
        let signer = ledgerSigner
        return try await transaction { connection in
            var locked = false
            for try await value in try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(roundLock))", logger: logger
            ).decode(Bool.self) { locked = value }
            guard locked else {
                return RoundRecord(
                    round: 0, startedAt: nowMs, durationMs: 0, updatesUsed: 0, patternsConsidered: 0,
                    patternsConsolidated: 0, modelVersion: 0, ran: false)
            }
            try await connection.query("SELECT pg_advisory_xact_lock(\(feedLock))", logger: logger)
            var round: Int64 = 1
            for try await last in try await connection.query(
                "SELECT COALESCE(MAX(round), 0)::BIGINT FROM rounds", logger: logger
            ).decode(Int64.self) { round = last + 1 }
            func pending(_ kind: String) async throws -> [PendingContribution] {
                var result: [PendingContribution] = []
                for try await (id, twin, payload, received) in try await connection.query(
                    """
                    SELECT id, twin_id, payload, received_at FROM envelopes
                    WHERE pending = 1 AND kind = \(kind) ORDER BY received_at, id
                    """, logger: logger
                ).decode((String, String, String, Int64).self) {
                    result.append(
                        PendingContribution(
                            envelopeID: id, twinID: twin, kind: EnvelopeKind(kind), payload: Array(payload.utf8), receivedAt: received))
                }
                return result
            }
            let patterns = try await pending(StoreCodec.patternKind)
            let updates = try await pending(StoreCodec.modelUpdateKind)
            var reputations: [String: Double] = [:]
            for try await (id, reputation) in try await connection.query(
                "SELECT id, reputation FROM twins", logger: logger
            ).decode((String, Double).self) { reputations[id] = reputation }
            var version: Int64 = 0
            var dimension: Int?
            for try await (v, d) in try await connection.query(
                "SELECT version, dimension FROM model_versions ORDER BY version DESC LIMIT 1", logger: logger
            ).decode((Int64, Int).self) {
                version = v
                dimension = d
            }
            var currentRows: [String: [Float]] = [:]
            for try await (item, vector) in try await connection.query(
                "SELECT item, vector FROM model_rows", logger: logger
            ).decode((String, String).self) {
                if let values = ModelRowsDelta.decodeVector(vector) { currentRows[item] = values }
            }
            let input = RoundInput(
                round: round, nowMs: nowMs, patterns: patterns, modelUpdates: updates, reputations: reputations,
                modelVersion: version, currentRows: currentRows, modelDimension: dimension)
            let output = try body(input)
            try RoundWriter.check(output, input: input)
            for pattern in output.consolidated {
                let data = try StoreCodec.json(pattern)
                try await connection.query(
                    """
                    INSERT INTO patterns (id, round, priority, priority_rank, quality, data, created_at)
                    VALUES (\(pattern.id), \(round), \(pattern.priority.rawValue), \(RoundWriter.rank(pattern.priority)),
                            \(pattern.quality), \(data), \(nowMs))
                    ON CONFLICT (id) DO UPDATE SET round = excluded.round, priority = excluded.priority,
                        priority_rank = excluded.priority_rank, quality = excluded.quality, data = excluded.data,
                        created_at = excluded.created_at
                    """, logger: logger)
                try await Self.publish(
                    connection, kind: .patternConsolidated, twinID: nil, ref: pattern.id, data: data, nowMs: nowMs, logger: logger)
            }
            if let delta = output.modelDelta {
                version = delta.version
                try await connection.query(
                    """
                    INSERT INTO model_versions (version, dimension, round, rows, created_at)
                    VALUES (\(delta.version), \(delta.dimension), \(round), \(delta.rows.count), \(nowMs))
                    """, logger: logger)
                for row in delta.rows {
                    try await connection.query(
                        """
                        INSERT INTO model_rows (item, version, vector) VALUES (\(row.item), \(delta.version), \(ModelRowsDelta.encodeVector(row.vector)))
                        ON CONFLICT (item) DO UPDATE SET version = excluded.version, vector = excluded.vector
                        """, logger: logger)
                }
                try await Self.publish(
                    connection, kind: .modelPublished, twinID: nil, ref: String(delta.version),
                    data: StoreCodec.json(
                        StoreCodec.ModelPublished(version: delta.version, dimension: delta.dimension, rows: delta.rows.count, round: round)),
                    nowMs: nowMs, logger: logger)
            }
            for (twinID, reputation) in output.reputations {
                try await connection.query("UPDATE twins SET reputation = \(reputation) WHERE id = \(twinID)", logger: logger)
            }
            if !output.consumed.isEmpty {
                try await connection.query(
                    "UPDATE envelopes SET pending = 0 WHERE pending = 1 AND id = ANY(\(output.consumed))", logger: logger)
            }
            let record = RoundRecord(
                round: round, startedAt: nowMs, durationMs: RoundWriter.elapsedMs(since: started),
                updatesUsed: RoundWriter.updatesUsed(output, input: input),
                updatesRejected: RoundWriter.updatesRejected(output, input: input), patternsConsidered: output.patternsConsidered,
                patternsConsolidated: output.consolidated.count, modelVersion: version, ran: true)
            try await connection.query(
                """
                INSERT INTO rounds (round, started_at, duration_ms, updates_used, patterns_considered,
                                    patterns_consolidated, model_version, updates_rejected)
                VALUES (\(round), \(nowMs), \(record.durationMs), \(record.updatesUsed), \(record.patternsConsidered),
                        \(record.patternsConsolidated), \(version), \(record.updatesRejected))
                """, logger: logger)
            let entries = try [HubLedgerEntry.round(round, output: output, nowMs: nowMs)]
                + output.consolidated.map { try HubLedgerEntry.pattern($0, round: round, nowMs: nowMs) }
            _ = try await HubLedgerPostgres.record(entries, signer: signer, nowMs: nowMs, on: connection, logger: logger)
            return record
        }
    }

    public func prune(minQuality: Double, maxAgeMs: Int64?, nowMs: Int64) async throws -> PruneResult {
        let logger = self.logger
        return try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(feedLock))", logger: logger)
            let cutoff = maxAgeMs.map { nowMs - $0 } ?? Int64.min
            var doomed: [String] = []
            for try await id in try await connection.query(
                "DELETE FROM patterns WHERE quality < \(minQuality) OR created_at < \(cutoff) RETURNING id", logger: logger
            ).decode(String.self) { doomed.append(id) }
            if !doomed.isEmpty {
                try await connection.query(
                    "DELETE FROM feed WHERE kind = \(FeedEvent.Kind.patternConsolidated.rawValue) AND ref = ANY(\(doomed))",
                    logger: logger)
            }
            var pending = 0
            for try await _ in try await connection.query(
                "UPDATE envelopes SET pending = 2, payload = '' WHERE pending = 1 AND received_at < \(cutoff) RETURNING id",
                logger: logger) { pending += 1 }
            var challenges = 0
            for try await _ in try await connection.query(
                "DELETE FROM challenges WHERE expires_at <= \(nowMs) RETURNING challenge", logger: logger) { challenges += 1 }
            return PruneResult(patternsRemoved: doomed.count, pendingRemoved: pending, challengesRemoved: challenges)
        }
    }

    public func counts(nowMs: Int64, activeWindowMs: Int64) async throws -> StoreCounts {
        try await io {
            let activeSince = nowMs - activeWindowMs
            var numbers: [Int64] = []
            for try await row in try await client.query(
                """
                SELECT (SELECT COUNT(*) FROM twins)::BIGINT,
                       (SELECT COUNT(*) FROM twins WHERE last_sync_at >= \(activeSince))::BIGINT,
                       (SELECT COUNT(*) FROM twins WHERE blocked)::BIGINT,
                       (SELECT COUNT(*) FROM envelopes WHERE kind = \(StoreCodec.patternKind))::BIGINT,
                       (SELECT COUNT(*) FROM envelopes WHERE kind = \(StoreCodec.patternKind) AND pending = 1)::BIGINT,
                       (SELECT COUNT(*) FROM patterns)::BIGINT,
                       (SELECT COUNT(*) FROM envelopes WHERE kind = \(StoreCodec.modelUpdateKind))::BIGINT,
                       (SELECT COUNT(*) FROM envelopes WHERE kind = \(StoreCodec.modelUpdateKind) AND pending = 1)::BIGINT,
                       (SELECT COUNT(*) FROM skills)::BIGINT,
                       (SELECT COALESCE(SUM(accepted_count), 0) FROM twins)::BIGINT,
                       (SELECT COALESCE(SUM(rejected_count), 0) FROM twins)::BIGINT,
                       (SELECT COALESCE(MAX(version), 0) FROM model_versions)::BIGINT,
                       (SELECT COUNT(*) FROM rounds)::BIGINT,
                       (SELECT COALESCE(SUM(patterns_considered), 0) FROM rounds)::BIGINT,
                       (SELECT COALESCE(SUM(patterns_consolidated), 0) FROM rounds)::BIGINT
                """, logger: logger
            ) {
                for cell in row { numbers.append(try cell.decode(Int64.self)) }
            }
            guard numbers.count == 15 else { throw HiveError(.inconsistent, "counts query returned \(numbers.count) values") }
            var last: RoundRecord?
            for try await (round, started, duration, used, considered, consolidated, version, rejected) in try await client.query(
                """
                SELECT round, started_at, duration_ms, updates_used, patterns_considered, patterns_consolidated, model_version,
                       updates_rejected
                FROM rounds ORDER BY round DESC LIMIT 1
                """, logger: logger
            ).decode((Int64, Int64, Int64, Int, Int, Int, Int64, Int).self) {
                last = RoundRecord(
                    round: round, startedAt: started, durationMs: duration, updatesUsed: used, updatesRejected: rejected,
                    patternsConsidered: considered, patternsConsolidated: consolidated, modelVersion: version, ran: true)
            }
            return StoreCounts(
                twinsTotal: numbers[0], twinsActive: numbers[1], twinsBlocked: numbers[2], patternsReceived: numbers[3],
                patternsPending: numbers[4], patternsConsolidated: numbers[5], modelUpdatesReceived: numbers[6],
                modelUpdatesPending: numbers[7], skills: numbers[8], envelopesAccepted: numbers[9], envelopesRejected: numbers[10],
                modelVersion: numbers[11], rounds: numbers[12], roundPatternsConsidered: numbers[13],
                roundPatternsConsolidated: numbers[14], lastRound: last)
        }
    }
}
