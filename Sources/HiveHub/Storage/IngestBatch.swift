/// The shapes both stores use to write concurrent ingests as one transaction (``GroupCommit``).
enum IngestBatch {
    /// Most ingest requests written in one transaction.
    static let maxRequests = 256

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
