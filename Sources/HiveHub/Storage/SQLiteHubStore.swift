import Foundation
import GRDB
import HiveCore
import HiveLedger
import HiveLedgerStorage

/// ``HubStore`` on SQLite through GRDB: one file (`<data>/hub.sqlite`), WAL mode (readers never
/// wait for the writer), migrations, one writer. The embedded default of `hive serve`.
public final class SQLiteHubStore: HubStore, FeedSignalling {
    public let backend = "sqlite"
    private let pool: DatabasePool
    /// Raised after each commit that appended to the feed (wakes SSE streams).
    public let feedSignal = FeedSignal()
    /// Signs ledger tree heads (the hub key); without one, entries are logged but no receipts given.
    let ledgerSigner: (any TreeHeadSigner)?
    public let ledger: any LedgerStorage
    /// Concurrent ingests share transactions (see ``GroupCommit``).
    private let ingestCommit: GroupCommit<IngestBatch.Request, IngestReport>

    /// Opens (creating) the database at `path`; `ledgerSigner` (the hub key) signs ledger tree heads.
    public init(path: String, ledgerSigner: (any TreeHeadSigner)? = nil) throws {
        self.ledgerSigner = ledgerSigner
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw HiveError(.io, "cannot open hub database \(path): \(error)")
        }
        ledger = SQLiteLedgerStore(writer: pool)
        let database = pool
        ingestCommit = IngestBatch.commit { [ledgerSigner] requests in
            do {
                return try await Self.ingestBatch(requests, pool: database, signer: ledgerSigner)
            } catch let error as HiveError {
                throw error
            } catch {
                throw HiveError(.io, "database: \(error)")
            }
        }
        let observer = FeedCommitObserver(signal: feedSignal)
        pool.writeWithoutTransaction { db in db.add(transactionObserver: observer, extent: .databaseLifetime) }
    }

    public func migrate() async throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            for statement in HubSchema.sqlite { try db.execute(sql: statement) }
        }
        LedgerSQLite.registerMigrations(in: &migrator)
        migrator.registerMigration("v2-round-rejected-updates") { db in
            try db.execute(sql: "ALTER TABLE rounds ADD COLUMN updates_rejected INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v3-feed-kind-index") { db in
            try db.execute(sql: HubSchema.feedKindIndex)
        }
        try await io { try migrator.migrate(self.pool) }
    }

    public func ping() async throws {
        _ = try await io { try await self.pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") } }
    }

    /// Runs `body`, turning database errors into `HiveError(.io)`.
    private func io<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HiveError {
            throw error
        } catch let error as ChallengeExpired {
            throw error
        } catch {
            throw HiveError(.io, "database: \(error)")
        }
    }

    // MARK: Registration

    public func insertChallenge(_ challenge: String, expiresAt: Int64, nowMs: Int64) async throws {
        try await io {
            try await pool.write { db in
                // Expired challenges go as new ones come, so anonymous challenge requests cannot pile up rows.
                try db.execute(sql: "DELETE FROM challenges WHERE expires_at <= ?", arguments: [nowMs])
                try db.execute(
                    sql: "INSERT INTO challenges (challenge, expires_at) VALUES (?, ?)", arguments: [challenge, expiresAt])
            }
        }
    }

    public func register(_ twin: TwinRecord, challenge: String, nowMs: Int64) async throws -> TwinRecord {
        let metadata = try StoreCodec.json(twin.metadata)
        let outcome: Result<TwinRecord, ChallengeExpired> = try await io {
            try await pool.write { db -> Result<TwinRecord, ChallengeExpired> in
                guard let expiresAt = try Int64.fetchOne(
                    db, sql: "SELECT expires_at FROM challenges WHERE challenge = ?", arguments: [challenge])
                else { throw HiveError(.unauthorized, "unknown or already used challenge") }
                // An expired challenge fails without writing anything (the transaction has no writes yet).
                guard expiresAt > nowMs else { return .failure(ChallengeExpired()) }
                if let existing = try Self.fetchTwin(db, id: twin.id) {
                    guard !existing.blocked else { throw HiveError(.forbidden, "twin \(twin.id) is blocklisted") }
                    try db.execute(sql: "DELETE FROM challenges WHERE challenge = ?", arguments: [challenge])
                    return .success(existing)
                }
                try db.execute(sql: "DELETE FROM challenges WHERE challenge = ?", arguments: [challenge])
                try db.execute(
                    sql: """
                        INSERT INTO twins (id, public_key, user_id, metadata, registered_at, reputation, blocked,
                                           last_sync_at, accepted_count, rejected_count)
                        VALUES (?, ?, ?, ?, ?, ?, 0, NULL, 0, 0)
                        """,
                    arguments: [twin.id, twin.publicKey, twin.userID, metadata, twin.registeredAt, twin.reputation])
                try Self.publish(
                    db, kind: .twinRegistered, twinID: twin.id, ref: twin.id,
                    data: StoreCodec.json(StoreCodec.TwinRegistered(twinID: twin.id, publicKey: twin.publicKey)), nowMs: nowMs)
                return .success(twin)
            }
        }
        return try outcome.get()
    }

    // MARK: Twins

    static func fetchTwin(_ db: Database, id: String) throws -> TwinRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM twins WHERE id = ?"), arguments: [id]).map(twin)
    }

    static func twin(_ row: Row) throws -> TwinRecord {
        TwinRecord(
            id: row["id"], publicKey: row["public_key"], userID: row["user_id"],
            metadata: try StoreCodec.metadata(row["metadata"]), registeredAt: row["registered_at"],
            reputation: row["reputation"], blocked: row["blocked"], lastSyncAt: row["last_sync_at"],
            acceptedCount: row["accepted_count"], rejectedCount: row["rejected_count"])
    }

    public func twin(id: String) async throws -> TwinRecord? {
        try await io { try await pool.read { db in try Self.fetchTwin(db, id: id) } }
    }

    public func twins(after cursor: String?, limit: Int) async throws -> [TwinRecord] {
        try await io {
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM twins WHERE id > ? ORDER BY id LIMIT ?", arguments: [cursor ?? "", limit]
                ).map(Self.twin)
            }
        }
    }

    public func setBlocked(twinID: String, blocked: Bool, nowMs: Int64) async throws -> TwinRecord {
        try await io {
            try await pool.write { db in
                guard var twin = try Self.fetchTwin(db, id: twinID) else {
                    throw HiveError(.notFound, "no twin \(twinID)")
                }
                if twin.blocked != blocked {
                    try db.execute(sql: "UPDATE twins SET blocked = ? WHERE id = ?", arguments: [blocked, twinID])
                    try Self.publish(
                        db, kind: .twinBlocked, twinID: twinID, ref: twinID,
                        data: StoreCodec.json(StoreCodec.TwinBlocked(twinID: twinID, blocked: blocked)), nowMs: nowMs)
                    twin.blocked = blocked
                    _ = try HubLedgerSQLite.record(
                        [.blocklist(twinID: twinID, blocked: blocked, nowMs: nowMs)], signer: self.ledgerSigner, nowMs: nowMs, db)
                }
                return twin
            }
        }
    }

    public func rank(twinID: String) async throws -> Int {
        try await io {
            try await pool.read { db in
                guard let twin = try Self.fetchTwin(db, id: twinID) else { throw HiveError(.notFound, "no twin \(twinID)") }
                let better = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM twins WHERE reputation > ? OR (reputation = ? AND id < ?)",
                    arguments: [twin.reputation, twin.reputation, twinID]) ?? 0
                return better + 1
            }
        }
    }

    public func rankOrder() async throws -> [String] {
        try await io {
            try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM twins ORDER BY reputation DESC, id ASC") }
        }
    }

    // MARK: Ingest

    public func ingestWithReceipts(_ items: [IngestItem], twinID: String, rejected: Int, nowMs: Int64) async throws -> IngestReport {
        try await ingestCommit.submit(IngestBatch.Request(items: items, twinID: twinID, rejected: rejected, nowMs: nowMs))
    }

    /// Writes `requests` as one batch, as the group commit does (tests compose batches with it).
    func writeIngestBatch(_ requests: [IngestBatch.Request]) async throws -> [Result<IngestReport, any Error>] {
        try await Self.ingestBatch(requests, pool: pool, signer: ledgerSigner)
    }

    /// Writes a batch of ingests in one transaction: each request in its own savepoint (a failing
    /// one rolls back alone and gets its error), then one ledger append for every accepted entry
    /// and one signed tree head that all the batch's receipts quote.
    private static func ingestBatch(
        _ requests: [IngestBatch.Request], pool: DatabasePool, signer: (any TreeHeadSigner)?
    ) async throws -> [Result<IngestReport, any Error>] {
        try await pool.write { db in
            var staged: [Result<IngestBatch.Staged, any Error>] = []
            var entries: [HubLedgerEntry] = []
            for request in requests {
                do {
                    var stage: IngestBatch.Staged?
                    try db.inSavepoint {
                        stage = try Self.stage(request, firstEntry: entries.count, db)
                        return .commit
                    }
                    guard let stage else { throw HiveError(.inconsistent, "ingest staged nothing") }
                    entries += stage.entries
                    staged.append(.success(stage))
                } catch {
                    staged.append(.failure(Self.describe(error)))
                }
            }
            let nowMs = requests.map(\.nowMs).max() ?? 0
            let receipts = try HubLedgerSQLite.record(entries, signer: signer, nowMs: nowMs, db)
            return staged.map { result in
                result.map { stage in
                    IngestReport(
                        outcomes: stage.outcomes,
                        receipts: stage.receiptSlots.map { slot in slot.flatMap { receipts.isEmpty ? nil : receipts[$0] } })
                }
            }
        }
    }

    /// Stores one request's envelopes and skills and updates its twin (inside the batch's transaction).
    private static func stage(_ request: IngestBatch.Request, firstEntry: Int, _ db: Database) throws -> IngestBatch.Staged {
        let twinID = request.twinID
        let nowMs = request.nowMs
        var outcomes: [IngestOutcome] = []
        var entries: [HubLedgerEntry] = []
        var receiptSlots: [Int?] = []
        var accepted: Int64 = 0
        var duplicateTraces = 0
        for item in request.items {
            let envelope = item.envelope
            if try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM envelopes WHERE id = ?"), arguments: [envelope.id]) != nil
            {
                outcomes.append(.duplicate)
                receiptSlots.append(nil)
                continue
            }
            if let skill = item.skill,
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM skills WHERE trace_id = ?"), arguments: [skill.traceID]) != nil
            {
                outcomes.append(.duplicateTrace(skill.traceID))
                receiptSlots.append(nil)
                duplicateTraces += 1
                continue
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO envelopes (id, twin_id, kind, payload, signer, signature, stamp, received_at, pending)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                envelope.id, twinID, envelope.kind.rawValue, StoreCodec.payloadText(envelope.payload),
                Hex.encode(envelope.signer), Data(envelope.signature).base64EncodedString(),
                envelope.stamp.description, nowMs, StoreCodec.isPending(envelope.kind) ? 1 : 0,
            ])
            if let skill = item.skill {
                let wire = try StoreCodec.json(envelope)
                try db.execute(
                    sql: """
                        INSERT INTO skills (trace_id, twin_id, intent, envelope_id, envelope, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [skill.traceID, twinID, skill.intent, envelope.id, wire, nowMs])
                try Self.publish(db, kind: .skillPublished, twinID: twinID, ref: skill.traceID, data: wire, nowMs: nowMs)
            }
            accepted += 1
            outcomes.append(.accepted)
            receiptSlots.append(firstEntry + entries.count)
            entries.append(.envelope(envelope, twinID: twinID))
            if let skill = item.skill {
                entries.append(.skill(traceID: skill.traceID, envelopeID: envelope.id, twinID: twinID, nowMs: nowMs))
            }
        }
        // The twin's blocked flag is checked here, in the write transaction, so a twin blocked after
        // it authenticated (or through another replica) stores nothing; the savepoint rolls back.
        try db.cachedStatement(
            sql: """
                UPDATE twins SET accepted_count = accepted_count + ?, rejected_count = rejected_count + ?,
                                 last_sync_at = ? WHERE id = ? AND NOT blocked
                """
        ).execute(arguments: [accepted, request.rejected + duplicateTraces, nowMs, twinID])
        if db.changesCount == 0,
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT blocked FROM twins WHERE id = ?"), arguments: [twinID]) == true
        {
            throw IngestBatch.blocked(twinID)
        }
        return IngestBatch.Staged(outcomes: outcomes, entries: entries, receiptSlots: receiptSlots)
    }

    /// A per-request failure as the hub reports storage errors.
    private static func describe(_ error: any Error) -> any Error {
        if error is HiveError { return error }
        return HiveError(.io, "database: \(error)")
    }

    // MARK: Feed

    static func publish(
        _ db: Database, kind: FeedEvent.Kind, twinID: String?, ref: String, data: String, nowMs: Int64
    ) throws {
        try db.execute(
            sql: "INSERT INTO feed (kind, twin_id, ref, data, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [kind.rawValue, twinID, ref, data, nowMs])
    }

    public func feed(after seq: Int64, kinds: [FeedEvent.Kind]?, twinID: String?, limit: Int) async throws -> [FeedEvent] {
        try await io {
            try await pool.read { db in
                var sql = "SELECT * FROM feed WHERE seq > ?"
                var arguments: StatementArguments = [seq]
                if let kinds {
                    sql += " AND kind IN (" + kinds.map { _ in "?" }.joined(separator: ",") + ")"
                    for kind in kinds { _ = arguments.append(contentsOf: [kind.rawValue]) }
                }
                if let twinID {
                    sql += " AND (twin_id IS NULL OR twin_id = ?)"
                    _ = arguments.append(contentsOf: [twinID])
                }
                sql += " ORDER BY seq LIMIT ?"
                _ = arguments.append(contentsOf: [limit])
                return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row -> FeedEvent? in
                    guard let kind = FeedEvent.Kind(rawValue: row["kind"]) else { return nil }
                    return FeedEvent(
                        seq: row["seq"], kind: kind, twinID: row["twin_id"], ref: row["ref"], data: row["data"],
                        createdAt: row["created_at"])
                }
            }
        }
    }

    // MARK: Published data

    public func skills(limit: Int) async throws -> [SkillRecord] {
        try await io {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM skills ORDER BY created_at DESC, trace_id LIMIT ?", arguments: [limit])
                    .map(Self.skill)
            }
        }
    }

    public func skillIntents(afterSeq seq: Int64, limit: Int) async throws -> [SkillIntent] {
        try await io {
            try await pool.read { db in
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT f.seq, s.trace_id, s.intent FROM feed f JOIN skills s ON s.trace_id = f.ref
                        WHERE f.seq > ? AND f.kind = ? ORDER BY f.seq LIMIT ?
                        """)
                return try Row.fetchAll(statement, arguments: [seq, FeedEvent.Kind.skillPublished.rawValue, limit]).map { row in
                    SkillIntent(seq: row[0], traceID: row[1], intent: row[2])
                }
            }
        }
    }

    public func skills(traceIDs: [String]) async throws -> [SkillRecord] {
        guard !traceIDs.isEmpty else { return [] }
        return try await io {
            try await pool.read { db in
                let marks = traceIDs.map { _ in "?" }.joined(separator: ",")
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM skills WHERE trace_id IN (\(marks))", arguments: StatementArguments(traceIDs)
                ).map(Self.skill)
            }
        }
    }

    static func skill(_ row: Row) throws -> SkillRecord {
        let envelope = try StoreCodec.envelope(row["envelope"])
        return SkillRecord(
            traceID: row["trace_id"], twinID: row["twin_id"], intent: row["intent"], envelope: envelope,
            trace: try envelope.decodePayload(as: SkillTrace.self), createdAt: row["created_at"])
    }

    public func instances() async throws -> [InstanceRecord] {
        try await io {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT t.id, t.reputation, t.blocked, t.last_sync_at,
                               (SELECT COUNT(*) FROM skills s WHERE s.twin_id = t.id) AS traces
                        FROM twins t ORDER BY t.reputation DESC, t.id
                        """
                ).map { row in
                    InstanceRecord(
                        instanceID: row["id"], reputation: row["reputation"], blocked: row["blocked"],
                        traceCount: row["traces"], lastSyncAt: row["last_sync_at"])
                }
            }
        }
    }

    public func consolidatedPatterns(sinceRound: Int64, priority: ConsolidatedPattern.Priority?, limit: Int) async throws
        -> [ConsolidatedPattern]
    {
        try await io {
            try await pool.read { db in
                var sql = "SELECT data FROM patterns WHERE round > ?"
                var arguments: StatementArguments = [sinceRound]
                if let priority {
                    sql += " AND priority = ?"
                    _ = arguments.append(contentsOf: [priority.rawValue])
                }
                sql += " ORDER BY priority_rank, quality DESC, id LIMIT ?"
                _ = arguments.append(contentsOf: [limit])
                return try String.fetchAll(db, sql: sql, arguments: arguments).map {
                    try StoreCodec.decode(ConsolidatedPattern.self, $0, what: "consolidated pattern")
                }
            }
        }
    }

    public func modelVersion() async throws -> (version: Int64, dimension: Int?) {
        try await io {
            try await pool.read { db in
                let row = try Row.fetchOne(db, sql: "SELECT version, dimension FROM model_versions ORDER BY version DESC LIMIT 1")
                return (row?["version"] ?? 0, row?["dimension"])
            }
        }
    }

    public func modelRows(sinceVersion: Int64, limit: Int) async throws -> [ModelRowsDelta.Row] {
        try await io {
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT item, vector FROM model_rows WHERE version > ? ORDER BY item LIMIT ?",
                    arguments: [sinceVersion, limit]
                ).map { row in
                    guard let vector = ModelRowsDelta.decodeVector(row["vector"]) else {
                        throw HiveError(.inconsistent, "stored model row \(row["item"] as String) does not decode")
                    }
                    return ModelRowsDelta.Row(item: row["item"], vector: vector)
                }
            }
        }
    }

    // MARK: Operations

    public func runRound(nowMs: Int64, _ body: @Sendable (RoundInput) throws -> RoundOutput) async throws -> RoundRecord {
        let started = ContinuousClock.now
        return try await io {
            try await pool.write { db in
                let round = (try Int64.fetchOne(db, sql: "SELECT MAX(round) FROM rounds") ?? 0) + 1
                func pending(_ kind: String) throws -> [PendingContribution] {
                    try Row.fetchAll(
                        db,
                        sql: "SELECT id, twin_id, payload, received_at FROM envelopes WHERE pending = 1 AND kind = ? ORDER BY received_at, id",
                        arguments: [kind]
                    ).map { row in
                        PendingContribution(
                            envelopeID: row["id"], twinID: row["twin_id"], kind: EnvelopeKind(kind),
                            payload: Array((row["payload"] as String).utf8), receivedAt: row["received_at"])
                    }
                }
                let patterns = try pending(StoreCodec.patternKind)
                let updates = try pending(StoreCodec.modelUpdateKind)
                var reputations: [String: Double] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, reputation FROM twins") {
                    reputations[row["id"]] = row["reputation"]
                }
                let current = try Row.fetchOne(db, sql: "SELECT version, dimension FROM model_versions ORDER BY version DESC LIMIT 1")
                var currentRows: [String: [Float]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT item, vector FROM model_rows") {
                    if let vector = ModelRowsDelta.decodeVector(row["vector"]) { currentRows[row["item"]] = vector }
                }
                let input = RoundInput(
                    round: round, nowMs: nowMs, patterns: patterns, modelUpdates: updates, reputations: reputations,
                    modelVersion: current?["version"] ?? 0, currentRows: currentRows, modelDimension: current?["dimension"])
                let output = try body(input)
                try RoundWriter.check(output, input: input)
                for pattern in output.consolidated {
                    let data = try StoreCodec.json(pattern)
                    try db.execute(sql: "DELETE FROM patterns WHERE id = ?", arguments: [pattern.id])
                    try db.execute(
                        sql: """
                            INSERT INTO patterns (id, round, priority, priority_rank, quality, data, created_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            pattern.id, round, pattern.priority.rawValue, RoundWriter.rank(pattern.priority), pattern.quality,
                            data, nowMs,
                        ])
                    try Self.publish(db, kind: .patternConsolidated, twinID: nil, ref: pattern.id, data: data, nowMs: nowMs)
                }
                var version = input.modelVersion
                if let delta = output.modelDelta {
                    version = delta.version
                    try db.execute(
                        sql: "INSERT INTO model_versions (version, dimension, round, rows, created_at) VALUES (?, ?, ?, ?, ?)",
                        arguments: [delta.version, delta.dimension, round, delta.rows.count, nowMs])
                    for row in delta.rows {
                        try db.execute(
                            sql: """
                                INSERT INTO model_rows (item, version, vector) VALUES (?, ?, ?)
                                ON CONFLICT (item) DO UPDATE SET version = excluded.version, vector = excluded.vector
                                """,
                            arguments: [row.item, delta.version, ModelRowsDelta.encodeVector(row.vector)])
                    }
                    try Self.publish(
                        db, kind: .modelPublished, twinID: nil, ref: String(delta.version),
                        data: StoreCodec.json(
                            StoreCodec.ModelPublished(version: delta.version, dimension: delta.dimension, rows: delta.rows.count, round: round)),
                        nowMs: nowMs)
                }
                // Compiled once per round, not once per row.
                let rate = try db.cachedStatement(sql: "UPDATE twins SET reputation = ? WHERE id = ?")
                for (twinID, reputation) in output.reputations { try rate.execute(arguments: [reputation, twinID]) }
                let consume = try db.cachedStatement(sql: "UPDATE envelopes SET pending = 0 WHERE id = ? AND pending = 1")
                for id in output.consumed { try consume.execute(arguments: [id]) }
                let record = RoundRecord(
                    round: round, startedAt: nowMs, durationMs: RoundWriter.elapsedMs(since: started),
                    updatesUsed: RoundWriter.updatesUsed(output, input: input),
                    updatesRejected: RoundWriter.updatesRejected(output, input: input),
                    patternsConsidered: output.patternsConsidered, patternsConsolidated: output.consolidated.count,
                    modelVersion: version, ran: true)
                try db.execute(
                    sql: """
                        INSERT INTO rounds (round, started_at, duration_ms, updates_used, patterns_considered,
                                            patterns_consolidated, model_version, updates_rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        round, nowMs, record.durationMs, record.updatesUsed, record.patternsConsidered,
                        record.patternsConsolidated, version, record.updatesRejected,
                    ])
                let entries = try [HubLedgerEntry.round(round, output: output, nowMs: nowMs)]
                    + output.consolidated.map { try HubLedgerEntry.pattern($0, round: round, nowMs: nowMs) }
                _ = try HubLedgerSQLite.record(entries, signer: self.ledgerSigner, nowMs: nowMs, db)
                return record
            }
        }
    }

    public func prune(minQuality: Double, maxAgeMs: Int64?, nowMs: Int64) async throws -> PruneResult {
        try await io {
            try await pool.write { db in
                let cutoff = maxAgeMs.map { nowMs - $0 } ?? Int64.min
                let doomed = try String.fetchAll(
                    db, sql: "SELECT id FROM patterns WHERE quality < ? OR created_at < ?", arguments: [minQuality, cutoff])
                for id in doomed {
                    try db.execute(sql: "DELETE FROM patterns WHERE id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM feed WHERE kind = ? AND ref = ?", arguments: [FeedEvent.Kind.patternConsolidated.rawValue, id])
                }
                // Expired contributions keep their id (replays stay duplicates) but drop their payload.
                try db.execute(
                    sql: "UPDATE envelopes SET pending = 2, payload = '' WHERE pending = 1 AND received_at < ?", arguments: [cutoff])
                let pendingRemoved = db.changesCount
                try db.execute(sql: "DELETE FROM challenges WHERE expires_at <= ?", arguments: [nowMs])
                let challengesRemoved = db.changesCount
                return PruneResult(patternsRemoved: doomed.count, pendingRemoved: pendingRemoved, challengesRemoved: challengesRemoved)
            }
        }
    }

    public func counts(nowMs: Int64, activeWindowMs: Int64) async throws -> StoreCounts {
        try await io {
            try await pool.read { db in
                func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int64 {
                    try Int64.fetchOne(db, sql: sql, arguments: arguments) ?? 0
                }
                let last = try Row.fetchOne(db, sql: "SELECT * FROM rounds ORDER BY round DESC LIMIT 1").map { row in
                    RoundRecord(
                        round: row["round"], startedAt: row["started_at"], durationMs: row["duration_ms"],
                        updatesUsed: row["updates_used"], updatesRejected: row["updates_rejected"],
                        patternsConsidered: row["patterns_considered"],
                        patternsConsolidated: row["patterns_consolidated"], modelVersion: row["model_version"], ran: true)
                }
                return StoreCounts(
                    twinsTotal: try count("SELECT COUNT(*) FROM twins"),
                    twinsActive: try count("SELECT COUNT(*) FROM twins WHERE last_sync_at >= ?", [nowMs - activeWindowMs]),
                    twinsBlocked: try count("SELECT COUNT(*) FROM twins WHERE blocked = 1"),
                    patternsReceived: try count("SELECT COUNT(*) FROM envelopes WHERE kind = ?", [StoreCodec.patternKind]),
                    patternsPending: try count(
                        "SELECT COUNT(*) FROM envelopes WHERE kind = ? AND pending = 1", [StoreCodec.patternKind]),
                    patternsConsolidated: try count("SELECT COUNT(*) FROM patterns"),
                    modelUpdatesReceived: try count("SELECT COUNT(*) FROM envelopes WHERE kind = ?", [StoreCodec.modelUpdateKind]),
                    modelUpdatesPending: try count(
                        "SELECT COUNT(*) FROM envelopes WHERE kind = ? AND pending = 1", [StoreCodec.modelUpdateKind]),
                    skills: try count("SELECT COUNT(*) FROM skills"),
                    envelopesAccepted: try count("SELECT COALESCE(SUM(accepted_count), 0) FROM twins"),
                    envelopesRejected: try count("SELECT COALESCE(SUM(rejected_count), 0) FROM twins"),
                    modelVersion: try count("SELECT COALESCE(MAX(version), 0) FROM model_versions"),
                    rounds: try count("SELECT COUNT(*) FROM rounds"),
                    roundPatternsConsidered: try count("SELECT COALESCE(SUM(patterns_considered), 0) FROM rounds"),
                    roundPatternsConsolidated: try count("SELECT COALESCE(SUM(patterns_consolidated), 0) FROM rounds"),
                    lastRound: last)
            }
        }
    }
}
