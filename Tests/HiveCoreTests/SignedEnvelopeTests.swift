import Foundation
import PropertyBased
import Testing
@testable import HiveCore

@Suite("SignedEnvelope")
struct SignedEnvelopeTests {
    static let identity = NodeIdentity.generate()

    static func envelope(_ record: [String: String]) throws -> SignedEnvelope {
        let stamp = HLCTimestamp(physicalMs: 1_700_000_000_000, logical: 3, nodeID: identity.nodeID)
        return try SignedEnvelope.sign(record, kind: .pattern, stamp: stamp, identity: identity)
    }

    @Test("sign then verify; the id is a 64-hex-digit digest")
    func roundTrip() throws {
        let envelope = try Self.envelope(["b": "2", "a": "1"])
        try envelope.verify()
        #expect(String(decoding: envelope.payload, as: UTF8.self) == #"{"a":"1","b":"2"}"#)
        #expect(envelope.id.count == 64)
        #expect(envelope.signerNodeID == Self.identity.nodeID)
        let decoded = try HiveJSON.decode(SignedEnvelope.self, from: try HiveJSON.encode(envelope))
        #expect(decoded == envelope)
        try decoded.verify()
    }

    @Test("flipping any single byte of payload, signature or signer fails verification")
    func singleByteFlips() async throws {
        await propertyCheck(
            count: 300,
            input: Gen.letterOrNumber.string(of: 1...40), Gen.int(in: 0...2), Gen.int(in: 0...10_000), Gen.int(in: 0...7)
        ) { text, part, position, bit in
            guard let envelope = try? Self.envelope(["text": text, "n": String(text.count)]) else {
                Issue.record("signing failed")
                return
            }
            var payload = envelope.payload
            var signature = envelope.signature
            var signer = envelope.signer
            switch part {
            case 0: payload[position % payload.count] ^= UInt8(1 << bit)
            case 1: signature[position % signature.count] ^= UInt8(1 << bit)
            default: signer[position % signer.count] ^= UInt8(1 << bit)
            }
            let tampered = SignedEnvelope(
                kind: envelope.kind, payload: payload, signer: signer, signature: signature, stamp: envelope.stamp)
            #expect(throws: HiveError.self) { try tampered.verify() }
        }
    }

    @Test("the id binds signer and kind but not the stamp: re-stamped re-deliveries dedupe, other signers don't")
    func idBindsSignerAndKind() throws {
        let record = ["task": "same bytes"]
        let first = try Self.envelope(record)
        let restamped = try SignedEnvelope.sign(
            record, kind: .pattern, stamp: HLCTimestamp(physicalMs: 1_800_000_000_000, logical: 0, nodeID: Self.identity.nodeID),
            identity: Self.identity)
        #expect(restamped.id == first.id)
        let other = NodeIdentity.generate()
        let copied = try SignedEnvelope.sign(
            record, kind: .pattern, stamp: HLCTimestamp(physicalMs: 1_700_000_000_000, logical: 3, nodeID: other.nodeID),
            identity: other)
        #expect(copied.payload == first.payload)
        #expect(copied.id != first.id)
        let otherKind = try SignedEnvelope.sign(record, kind: .episode, stamp: first.stamp, identity: Self.identity)
        #expect(otherKind.id != first.id)
    }

    @Test("kind and stamp are covered by the signature")
    func headerCovered() throws {
        let envelope = try Self.envelope(["a": "1"])
        let otherKind = SignedEnvelope(
            kind: .skillTrace, payload: envelope.payload, signer: envelope.signer, signature: envelope.signature,
            stamp: envelope.stamp)
        #expect((try? otherKind.verify()) == nil)
        let otherStamp = SignedEnvelope(
            kind: envelope.kind, payload: envelope.payload, signer: envelope.signer, signature: envelope.signature,
            stamp: HLCTimestamp(packed: envelope.stamp.packed + 1, nodeID: envelope.stamp.nodeID))
        let error = try #require(throws: HiveError.self) { try otherStamp.verify() }
        #expect(error.code == .badSignature)
    }

    @Test("failures name why: unknown kind, malformed payload, stamp too far ahead")
    func namedFailures() throws {
        let stamp = HLCTimestamp(physicalMs: 1_700_000_000_000, logical: 0, nodeID: Self.identity.nodeID)
        let unknown = try SignedEnvelope.sign(["a": "1"], kind: EnvelopeKind("mystery.v9"), stamp: stamp, identity: Self.identity)
        #expect(try #require(throws: HiveError.self) { try unknown.verify() }.code == .unknownKind)

        let notCanonical = try SignedEnvelope.sign(
            payload: Array(#"{"b":1, "a":2}"#.utf8), kind: .pattern, stamp: stamp, identity: Self.identity)
        #expect(try #require(throws: HiveError.self) { try notCanonical.verify() }.code == .malformed)

        let notJSON = try SignedEnvelope.sign(payload: Array("not json".utf8), kind: .pattern, stamp: stamp, identity: Self.identity)
        #expect(try #require(throws: HiveError.self) { try notJSON.verify() }.code == .malformed)

        let clock = HybridLogicalClock(nodeID: "receiver", physicalClock: { 1_700_000_000_000 - 10 * 60 * 1000 })
        let ahead = try Self.envelope(["a": "1"])
        #expect(try #require(throws: HiveError.self) { try ahead.verify(clock: clock) }.code == .clockDrift)
    }

    @Test("oversized payloads are refused when signing")
    func oversized() {
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: SignedEnvelope.maxPayloadBytes + 1)
        let stamp = HLCTimestamp(physicalMs: 1, logical: 0, nodeID: "n")
        #expect(throws: HiveError.self) { try SignedEnvelope.sign(payload: big, kind: .pattern, stamp: stamp, identity: Self.identity) }
    }

    @Test("decoding rejects a short signer or signature with the field named")
    func badWire() throws {
        let good = try HiveJSON.encode(try Self.envelope(["a": "1"]))
        var object = try #require(try JSONSerialization.jsonObject(with: good) as? [String: Any])
        object["signer"] = "abcd"
        let bad = try JSONSerialization.data(withJSONObject: object)
        let error = try #require(throws: HiveError.self) { try HiveJSON.decode(SignedEnvelope.self, from: bad) }
        #expect(error.message.contains("signer"))
    }
}
