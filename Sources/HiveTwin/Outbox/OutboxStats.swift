import HiveCore

/// Counts of the outbox and inbox, for dashboards and tests.
public struct OutboxStats: Hashable, Sendable {
    /// Waiting to be delivered (including those backing off).
    public var pending: Int
    /// Delivered and not yet pruned.
    public var delivered: Int
    /// Gave up after too many attempts; kept, visible, and re-queueable.
    public var deadLettered: Int
    /// Envelope ids remembered for deduplication.
    public var inbox: Int
    /// Creation time of the oldest pending envelope, ms.
    public var oldestPendingMs: Int64?
}

/// One envelope in the outbox, with its delivery bookkeeping.
public struct OutboxItem: Sendable {
    public var sequence: Int64
    public var envelope: SignedEnvelope
    public var attempts: Int
    public var nextAttemptMs: Int64
    public var lastError: String?
}

/// What one ``OfflineEnvelopeStore/drain(limit:deliver:)`` round did.
public struct DrainReport: Hashable, Sendable {
    /// Envelopes delivered and marked.
    public var delivered = 0
    /// Failed attempts (the envelope backs off and is retried later).
    public var failed = 0
    /// Envelopes moved to the dead-letter state in this round.
    public var deadLettered = 0
    /// Whether the round stopped at a failure to keep delivery in order.
    public var stoppedAtFailure = false

    public init() {}
}

/// How an incoming envelope was handled.
public enum ReceiveOutcome: String, Hashable, Sendable {
    /// Verified, applied and remembered.
    case accepted
    /// Seen before; not applied again.
    case duplicate
}
