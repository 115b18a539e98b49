import HiveCore
import HiveLedger

/// The `POST /sync` body: the ``OmegaSyncResponse`` fields plus `receipts`, the ledger inclusion
/// receipt (signed tree head + audit path) of each accepted envelope, keyed by envelope id.
/// Clients that decode only ``OmegaSyncResponse`` ignore the extra key.
struct SyncAnswer: Encodable {
    var response: OmegaSyncResponse
    var receipts: [String: InclusionReceipt]

    enum CodingKeys: String, CodingKey { case receipts }

    func encode(to encoder: any Encoder) throws {
        try response.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(receipts, forKey: .receipts)
    }
}
