import HiveLedger

/// What ``HubStore/ingestWithReceipts(_:twinID:rejected:nowMs:)`` did: one outcome per item and,
/// for each accepted item, the inclusion receipt of its ledger entry (nil when the store has no
/// tree-head signer, or for items not accepted).
public struct IngestReport: Sendable, Hashable {
    public var outcomes: [IngestOutcome]
    public var receipts: [InclusionReceipt?]

    public init(outcomes: [IngestOutcome], receipts: [InclusionReceipt?]) {
        self.outcomes = outcomes
        self.receipts = receipts
    }
}

extension HubStore {
    /// ``ingestWithReceipts(_:twinID:rejected:nowMs:)`` without the receipts.
    public func ingest(_ items: [IngestItem], twinID: String, rejected: Int, nowMs: Int64) async throws -> [IngestOutcome] {
        try await ingestWithReceipts(items, twinID: twinID, rejected: rejected, nowMs: nowMs).outcomes
    }
}
