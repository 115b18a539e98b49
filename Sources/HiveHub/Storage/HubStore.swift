import HiveCore
import HiveLedger

/// The hub's storage. Two implementations — ``SQLiteHubStore`` (embedded default) and
/// ``PostgresHubStore`` (several replicas) — pass one shared test suite.
///
/// Every method is one transaction: it applies completely or not at all. Times are ms since
/// the Unix epoch, passed in so tests control them.
public protocol HubStore: Sendable {
    /// A short name for logs and `/readyz` ("sqlite", "postgresql").
    var backend: String { get }

    /// Creates or upgrades the schema (idempotent).
    func migrate() async throws
    /// Cheap liveness check of the database.
    func ping() async throws

    // MARK: Registration

    /// Stores a fresh challenge and deletes challenges expired at `nowMs`.
    func insertChallenge(_ challenge: String, expiresAt: Int64, nowMs: Int64) async throws
    /// Consumes `challenge` and creates (or, for the same key, returns) the twin, atomically.
    /// Throws `unauthorized` for an unknown or used challenge, ``ChallengeExpired`` for an
    /// expired one (consuming nothing), `forbidden` for a blocked twin.
    func register(_ twin: TwinRecord, challenge: String, nowMs: Int64) async throws -> TwinRecord

    // MARK: Twins

    func twin(id: String) async throws -> TwinRecord?
    /// Twins ordered by id, after `cursor`.
    func twins(after cursor: String?, limit: Int) async throws -> [TwinRecord]
    /// Blocks or unblocks; publishes a twin.blocked event when blocking. Throws `notFound`.
    func setBlocked(twinID: String, blocked: Bool, nowMs: Int64) async throws -> TwinRecord
    /// 1-based rank of the twin by reputation (ties by id).
    func rank(twinID: String) async throws -> Int
    /// Every twin id in rank order (reputation descending, ties by id): one scan that
    /// ``RankCache`` turns into all ranks at once instead of one count per sync.
    func rankOrder() async throws -> [String]

    // MARK: Ingest

    /// Stores verified envelopes for `twinID` (dedupe by id), publishes skill traces, adds
    /// `rejected` (plus any duplicate trace ids it refuses) to the twin's rejected count and
    /// stamps its last sync, all in one transaction. Each accepted envelope (and each skill it
    /// publishes) is appended to the ledger in that transaction; see ``IngestReport``.
    func ingestWithReceipts(_ items: [IngestItem], twinID: String, rejected: Int, nowMs: Int64) async throws -> IngestReport

    // MARK: Ledger

    /// The transparency ledger in the same database (read side of the `/ledger` routes).
    var ledger: any LedgerStorage { get }

    // MARK: Feed

    /// Feed events after `seq`, oldest first. `kinds` nil = all; `twinID` non-nil = events about
    /// that twin or about no twin in particular.
    func feed(after seq: Int64, kinds: [FeedEvent.Kind]?, twinID: String?, limit: Int) async throws -> [FeedEvent]

    // MARK: Published data

    func skills(limit: Int) async throws -> [SkillRecord]
    /// Published traces after feed position `seq`, oldest first, without their envelopes: what
    /// the in-memory skill index needs to catch up.
    func skillIntents(afterSeq seq: Int64, limit: Int) async throws -> [SkillIntent]
    /// The records of these trace ids (unknown ids are left out; order not guaranteed).
    func skills(traceIDs: [String]) async throws -> [SkillRecord]
    func instances() async throws -> [InstanceRecord]
    /// Consolidated patterns by priority and round.
    func consolidatedPatterns(sinceRound: Int64, priority: ConsolidatedPattern.Priority?, limit: Int) async throws
        -> [ConsolidatedPattern]
    /// Current model version and dimension (0, nil before the first).
    func modelVersion() async throws -> (version: Int64, dimension: Int?)
    /// Rows changed after `sinceVersion`, each at its latest value.
    func modelRows(sinceVersion: Int64, limit: Int) async throws -> [ModelRowsDelta.Row]

    // MARK: Operations

    /// Runs one aggregation round in one transaction: reads pending contributions, calls
    /// `body` (pure computation), writes its output and marks consumed contributions. With
    /// several replicas only one runs a round at a time; others return `ran == false`.
    func runRound(nowMs: Int64, _ body: @Sendable (RoundInput) throws -> RoundOutput) async throws -> RoundRecord
    /// Deletes consolidated patterns below `minQuality` or older than `maxAgeMs`, pending
    /// contributions older than `maxAgeMs` and expired challenges. Returns what it removed.
    func prune(minQuality: Double, maxAgeMs: Int64?, nowMs: Int64) async throws -> PruneResult
    func counts(nowMs: Int64, activeWindowMs: Int64) async throws -> StoreCounts
}

/// What `prune` removed.
public struct PruneResult: Sendable, Hashable, Codable {
    public var patternsRemoved: Int
    public var pendingRemoved: Int
    public var challengesRemoved: Int
}

/// A registration challenge that existed but had expired.
public struct ChallengeExpired: Error, Sendable {}
