import Crypto
import Foundation
import Testing

@testable import HiveCore

/// `SignedEnvelope.id`, `signerNodeID` and `NodeIdentity.nodeID` are computed once when the value
/// is made; each must equal what recomputing from the fields gives, however the value was made.
@Suite("Memoised envelope id and node ids")
struct MemoisedIdentityTests {
    /// The id formula, written out independently of `SignedEnvelope.computeID`.
    static func recomputedID(_ envelope: SignedEnvelope) -> String {
        var bytes = Array("hive.envelope-id.v1".utf8) + [0]
        bytes += envelope.signer
        bytes += Array(envelope.kind.rawValue.utf8) + [0]
        bytes += envelope.payload
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    static func recomputedNodeID(_ key: [UInt8]) -> String {
        String(Base32.encode(SHA256.hash(data: key)).prefix(26))
    }

    @Test("signed, decoded and rebuilt envelopes hold the id and signer node id their fields give")
    func envelopeIDs() throws {
        for round in 0..<20 {
            let identity = NodeIdentity.generate()
            let kind: EnvelopeKind = round % 2 == 0 ? .pattern : .skillTrace
            let stamp = HLCTimestamp(physicalMs: 1_700_000_000_000 + UInt64(round), logical: 0, nodeID: identity.nodeID)
            let signed = try SignedEnvelope.sign(["n": "\(round)", "x": String(repeating: "y", count: round * 7)], kind: kind, stamp: stamp, identity: identity)
            let decoded = try HiveJSON.decode(SignedEnvelope.self, from: try HiveJSON.encode(signed))
            let rebuilt = SignedEnvelope(
                kind: signed.kind, payload: signed.payload, signer: signed.signer, signature: signed.signature, stamp: signed.stamp)
            for envelope in [signed, decoded, rebuilt] {
                #expect(envelope.id == Self.recomputedID(envelope))
                #expect(envelope.id == SignedEnvelope.computeID(kind: envelope.kind, signer: envelope.signer, payload: envelope.payload))
                #expect(envelope.signerNodeID == Self.recomputedNodeID(envelope.signer))
                #expect(envelope.signerNodeID == identity.nodeID)
            }
            #expect(decoded == signed && rebuilt == signed)
            #expect(decoded.hashValue == signed.hashValue)
        }
    }

    @Test("the id follows signer, kind and payload but not the stamp; equality follows every wire field")
    func idInputs() throws {
        let identity = NodeIdentity.generate()
        let other = NodeIdentity.generate()
        let stamp = HLCTimestamp(physicalMs: 1_700_000_000_000, logical: 0, nodeID: identity.nodeID)
        let base = try SignedEnvelope.sign(["a": "1"], kind: .pattern, stamp: stamp, identity: identity)
        let restamped = try SignedEnvelope.sign(
            ["a": "1"], kind: .pattern, stamp: HLCTimestamp(physicalMs: 1_700_000_000_001, logical: 0, nodeID: identity.nodeID),
            identity: identity)
        #expect(restamped.id == base.id)
        #expect(restamped != base)
        let otherKind = try SignedEnvelope.sign(["a": "1"], kind: .skillTrace, stamp: stamp, identity: identity)
        let otherSigner = try SignedEnvelope.sign(["a": "1"], kind: .pattern, stamp: stamp, identity: other)
        let otherPayload = try SignedEnvelope.sign(["a": "2"], kind: .pattern, stamp: stamp, identity: identity)
        #expect(Set([base.id, otherKind.id, otherSigner.id, otherPayload.id]).count == 4)
        var flipped = base.signature
        flipped[0] ^= 1
        let forged = SignedEnvelope(kind: base.kind, payload: base.payload, signer: base.signer, signature: flipped, stamp: base.stamp)
        #expect(forged.id == base.id)
        #expect(forged != base)
        #expect(throws: HiveError.self) { try forged.verify() }
    }

    @Test("NodeIdentity.nodeID equals the node id derived from its public key, also when rebuilt from its raw key")
    func nodeIDs() throws {
        for _ in 0..<20 {
            let identity = NodeIdentity.generate()
            #expect(identity.nodeID == NodeIdentity.nodeID(forPublicKey: identity.publicKey))
            #expect(identity.nodeID == Self.recomputedNodeID(identity.publicKey))
            let again = NodeIdentity(privateKey: try .init(rawRepresentation: identity.privateKey.rawRepresentation))
            #expect(again.nodeID == identity.nodeID)
        }
    }
}
