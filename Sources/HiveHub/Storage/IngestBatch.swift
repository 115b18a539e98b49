import HiveCore

/// The shapes both stores use to write concurrent ingests as one transaction (``GroupCommit``).
enum IngestBatch {
    /// Most ingest requests written in one transaction.
    static let maxRequests = 256
    /// Most envelopes in one transaction beyond the leader's own: each adds at most two ledger
    /// entries, and a ledger append takes at most `LedgerLimits.maxBatch` (100 000).
    static let maxItems = 20_000

    /// Makes the group commit both stores use; `write` writes one batch in one transaction.
    static func commit(
        _ write: @escaping @Sendable ([Request]) async throws -> [Result<IngestReport, any Error>]
    ) -> GroupCommit<Request, IngestReport> {
        GroupCommit(maxBatch: maxRequests, maxWeight: maxItems, weight: { max(1, $0.items.count) }, run: write)
    }

    /// The error of an ingest for a blocklisted twin (the hub answers 403 twin-blocked).
    static func blocked(_ twinID: String) -> HiveError {
        HiveError(.forbidden, "twin \(twinID) is blocklisted")
    }

    /// One caller's ingest, waiting for a group commit.
    struct Request: Sendable {
        var items: [IngestItem]
        var twinID: String
        var rejected: Int
        var nowMs: Int64
    }

    /// What one request wrote, before the batch's ledger append.
    struct Staged {
        var outcomes: [IngestOutcome]
        /// Ledger entries to append, in order.
        var entries: [HubLedgerEntry]
        /// Per outcome, the index into the batch's entries of its receipt (nil for duplicates).
        var receiptSlots: [Int?]
    }
}
