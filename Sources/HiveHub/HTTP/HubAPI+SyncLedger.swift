import HiveCore
import HiveLedger

extension HubAPI {
    /// The ledger check folded into a sync answer (`ledgerFrom` in the request): the head the twin
    /// should move to — the newest head among this answer's receipts (so the twin can check them
    /// against it), else the current head — and a consistency proof from the twin's kept size.
    /// Saves the twin the `GET /ledger/sth` and `GET /ledger/proof/consistency` round trips; the
    /// twin still verifies both (signature by the pinned key, RFC 9162 consistency).
    func ledgerCheck(from size: UInt64, receipts: [String: InclusionReceipt]) async throws
        -> (head: SignedTreeHead, proof: ConsistencyProof?)
    {
        let fromReceipts = receipts.values.map(\.treeHead).max { $0.treeSize < $1.treeSize }
        let head: SignedTreeHead
        if let fromReceipts { head = fromReceipts } else { head = try await currentTreeHead() }
        // A kept size larger than the head is a rollback the twin detects from the head alone.
        guard size > 0, size < head.treeSize else { return (head, nil) }
        return (head, try await core.store.ledger.consistencyProof(firstSize: size, secondSize: head.treeSize))
    }
}
