import HiveCore
import HiveLedger

/// The `POST /sync` body: the ``OmegaSyncResponse`` fields plus `receipts`, the ledger inclusion
/// receipt (signed tree head + audit path) of each accepted envelope, keyed by envelope id, and —
/// when the request carried `ledgerFrom` — `treeHead` and `consistency` (see
/// ``HubAPI/ledgerCheck(from:receipts:)``). Clients that decode only ``OmegaSyncResponse`` ignore
/// the extra keys.
struct SyncAnswer: Encodable {
    var response: OmegaSyncResponse
    var receipts: [String: InclusionReceipt]
    /// The hub's signed tree head: the newest head among `receipts`, else the current one.
    var treeHead: SignedTreeHead?
    /// Consistency proof from the request's `ledgerFrom` to `treeHead` (absent when no proof is
    /// needed: `ledgerFrom` 0, equal to or larger than the head's size).
    var consistency: ConsistencyProof?

    enum CodingKeys: String, CodingKey { case receipts, treeHead, consistency }

    func encode(to encoder: any Encoder) throws {
        try response.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(receipts, forKey: .receipts)
        try container.encodeIfPresent(treeHead, forKey: .treeHead)
        try container.encodeIfPresent(consistency, forKey: .consistency)
    }
}
