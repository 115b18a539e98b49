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

    /// The answer's JSON: what ``encode(to:)`` gives (same members, same values), with the ledger
    /// members (`consistency`, `receipts` by envelope id, `treeHead`) written by
    /// ``LedgerJSONWriter`` after the response's own members instead of sorted among them.
    /// Encoding the receipts with `JSONEncoder` was ≈ 5 % of the hub's CPU per sync.
    func jsonBytes() throws -> [UInt8] {
        var out = [UInt8](try HiveJSON.encode(response))
        guard out.first == UInt8(ascii: "{"), out.last == UInt8(ascii: "}") else {
            throw HiveError(.inconsistent, "a sync response did not encode as a JSON object")
        }
        out.removeLast()
        out.reserveCapacity(out.count + 1_600 * receipts.count + 3_000)
        func member(_ name: String) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            LedgerJSONWriter.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        if let consistency {
            member(CodingKeys.consistency.rawValue)
            LedgerJSONWriter.append(consistency, to: &out)
        }
        member(CodingKeys.receipts.rawValue)
        out.append(UInt8(ascii: "{"))
        for (position, (id, receipt)) in receipts.sorted(by: { $0.key < $1.key }).enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            LedgerJSONWriter.appendString(id, to: &out)
            out.append(UInt8(ascii: ":"))
            LedgerJSONWriter.append(receipt, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        if let treeHead {
            member(CodingKeys.treeHead.rawValue)
            LedgerJSONWriter.append(treeHead, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
