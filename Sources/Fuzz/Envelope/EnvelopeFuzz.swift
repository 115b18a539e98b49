import Crypto
import Foundation
import HiveCore
import HiveLearning

/// SignedEnvelope decoding and verification, the way the hub takes envelopes from twins.
///
/// Input byte 0 picks the form: even → the rest is an envelope's wire JSON (decode, round-trip,
/// verify, decode the payload by kind); odd → the rest is a payload that gets a *valid* signature
/// (kind from the upper bits), so canonical-form checks and payload decoding see fuzzed bytes too.
enum EnvelopeFuzz {
    /// A fixed signer so runs are reproducible (a harness constant, not input).
    static let identity: NodeIdentity = {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32)) else {
            fatalError("a 32-byte Ed25519 seed is always valid")
        }
        return NodeIdentity(privateKey: key)
    }()

    static let kinds: [EnvelopeKind] = [.pattern, .skillTrace, .modelUpdate, .episode, .vote, .snapshotDiff]

    static func run(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let rest = Array(data.dropFirst())
        if mode & 1 == 0 {
            guard let envelope = try? HiveJSON.decode(SignedEnvelope.self, from: rest) else { return }
            // What decodes must encode, and encode back to the same envelope.
            guard let wire = try? HiveJSON.encode(envelope) else { fatalError("a decoded envelope failed to encode") }
            guard let again = try? HiveJSON.decode(SignedEnvelope.self, from: wire), again == envelope else {
                fatalError("envelope wire round trip changed it: \(String(decoding: wire, as: UTF8.self))")
            }
            check(envelope)
        } else {
            // Signing costs two Ed25519 operations; only canonical payloads (the ones a signer can
            // produce) are worth it — non-canonical bytes are the canonical-json target's job.
            guard (try? CanonicalJSON.canonicalize(rest)) == rest else { return }
            let kind = kinds[Int(mode >> 1) % kinds.count]
            let stamp = HLCTimestamp(physicalMs: 1_700_000_000_000, logical: 0, nodeID: identity.nodeID)
            guard let envelope = try? SignedEnvelope.sign(payload: rest, kind: kind, stamp: stamp, identity: identity)
            else {
                return
            }
            do {
                try envelope.verify()
            } catch {
                fatalError("valid signature over a canonical payload was refused: \(error)")
            }
            check(envelope)
        }
    }

    /// Verifies, then decodes and validates the payload as its kind's record.
    static func check(_ envelope: SignedEnvelope) {
        guard (try? envelope.verify()) != nil else { return }
        switch envelope.kind {
        case .pattern: _ = try? envelope.decodePayload(as: Pattern.self)
        case .skillTrace: _ = try? envelope.decodePayload(as: SkillTrace.self)
        case .episode: _ = try? envelope.decodePayload(as: Episode.self)
        case .modelUpdate:
            if let update = try? envelope.decodePayload(as: ModelUpdate.self) { _ = try? update.validate() }
        default: _ = try? envelope.decodePayload(as: JSONValue.self)
        }
    }
}
