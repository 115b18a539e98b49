import Foundation
import HiveCore

/// Envelope rows as the columns of `envelopes`, one array per column, for the PostgreSQL bulk
/// inserts (`UNNEST` of each array): the long batch write and the one-statement ingest build them
/// the same way.
struct EnvelopeColumns {
    var ids: [String] = [], twins: [String] = [], kinds: [String] = [], payloads: [String] = []
    var signers: [String] = [], signatures: [String] = [], stamps: [String] = []
    var received: [Int64] = [], pending: [Int32] = []

    var isEmpty: Bool { ids.isEmpty }

    /// Adds `envelope`, pushed by `twinID`, received at `receivedAt`.
    mutating func append(_ envelope: SignedEnvelope, twinID: String, receivedAt: Int64) {
        ids.append(envelope.id)
        twins.append(twinID)
        kinds.append(envelope.kind.rawValue)
        payloads.append(StoreCodec.payloadText(envelope.payload))
        signers.append(Hex.encode(envelope.signer))
        signatures.append(Data(envelope.signature).base64EncodedString())
        stamps.append(envelope.stamp.description)
        received.append(receivedAt)
        pending.append(StoreCodec.isPending(envelope.kind) ? 1 : 0)
    }
}
