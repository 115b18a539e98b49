/// What one ``SyncClient/sync()`` did.
public struct SyncReport: Sendable, Hashable, Codable {
    /// Envelopes the hub accepted this round.
    public var accepted = 0
    /// Envelopes the hub already had (a re-send after a lost answer); marked delivered, never counted twice.
    public var duplicates = 0
    /// Envelopes the hub rejected; dead-lettered with the hub's reason.
    public var rejected = 0
    /// Envelopes whose outer stamp was re-issued for transport (foreign node id or a clock ahead of the hub).
    public var restamped = 0
    /// Consolidated patterns, model rows and skill traces applied from the pull.
    public var patternsPulled = 0
    public var modelRowsPulled = 0
    public var skillsPulled = 0
    /// Pulled items that collided with local ones and were resolved by the conflict policy.
    public var conflictsResolved = 0
    /// Ledger receipts of this round's accepted envelopes that verified (and were kept).
    public var receiptsVerified = 0
    /// Accepted envelopes the hub gave no receipt for.
    public var receiptsMissing = 0
    /// Size of the hub's transparency log at the end of the round (the tree head the twin kept).
    public var treeSize: UInt64 = 0
    /// HTTP exchanges that failed and were retried (with backoff).
    public var retries = 0
    /// The cursor after the round.
    public var cursor: Int64 = 0
    /// Hub time − device time, ms, as measured at authentication.
    public var clockOffsetMs: Int64 = 0
    /// The twin's rank by reputation, as the hub reports it.
    public var viewerRank: Int?
    /// Suggested delay before the next sync, ms.
    public var nextSyncRecommendedMs: Int64?
    /// Outbox counts after the round.
    public var pendingAfter = 0
    public var deadLettered = 0

    public init() {}
}
