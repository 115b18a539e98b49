import Crypto
import Foundation

/// A record that crosses a device boundary: canonical JSON payload, kind, signer, signature
/// and HLC stamp.
///
/// - `id` is the hex SHA-256 of `"hive.envelope-id.v1" ‖ 0x00 ‖ signer ‖ kind ‖ 0x00 ‖ payload`, so
///   receivers deduplicate re-deliveries (at-least-once delivery, effectively-once processing) even
///   when the sender re-stamps them, while the same bytes from two signers stay two records: with a
///   payload-only id, anyone who saw a payload could sign it first and make the author's own
///   delivery count as a duplicate.
/// - The signature covers a domain-separated message binding kind, stamp and payload:
///   `"hive.envelope.v1" ‖ 0x00 ‖ kind ‖ 0x00 ‖ stamp (wire form) ‖ 0x00 ‖ payload`.
///   Without kind and stamp in the signed bytes, an attacker could replay a payload under
///   another kind or with a fresh stamp; the domain tag keeps envelope signatures from being
///   valid for any other message Hive signs (auth challenges, tree heads).
///
/// Wire form (JSON): `{"kind", "payload" (base64), "signer" (hex), "signature" (base64), "stamp"}`.
public struct SignedEnvelope: Hashable, Sendable, Codable {
    /// What the payload is.
    public let kind: EnvelopeKind
    /// Canonical JSON (RFC 8785) bytes of the record.
    public let payload: [UInt8]
    /// Raw 32-byte Ed25519 public key of the signer.
    public let signer: [UInt8]
    /// 64-byte Ed25519 signature over ``signingMessage``.
    public let signature: [UInt8]
    /// When the signer created it.
    public let stamp: HLCTimestamp

    /// Largest payload accepted, in bytes (1 MiB).
    public static let maxPayloadBytes = 1 << 20

    /// The deduplication key: hex SHA-256 over signer, kind and payload (not the stamp).
    ///
    /// Computed once when the envelope is made: the fields are immutable, and a hub asks for the
    /// id of each envelope many times per request (dedup set, result, store, ledger entry).
    public let id: String

    /// Node id of the signer, computed once like ``id``.
    public let signerNodeID: String

    /// The id of an envelope with these parts (what ``id`` holds).
    public static func computeID(kind: EnvelopeKind, signer: [UInt8], payload: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("hive.envelope-id.v1".utf8) + [0])
        hasher.update(data: signer)
        hasher.update(data: Array(kind.rawValue.utf8) + [0])
        hasher.update(data: payload)
        return Hex.encode(hasher.finalize())
    }

    /// Builds an envelope from already-signed parts (for decoding and tests); use ``sign(_:kind:stamp:identity:)`` to create one.
    public init(kind: EnvelopeKind, payload: [UInt8], signer: [UInt8], signature: [UInt8], stamp: HLCTimestamp) {
        self.kind = kind
        self.payload = payload
        self.signer = signer
        self.signature = signature
        self.stamp = stamp
        self.id = Self.computeID(kind: kind, signer: signer, payload: payload)
        self.signerNodeID = NodeIdentity.nodeID(forPublicKey: signer)
    }

    // Equality and hashing over the wire fields only: `id` and `signerNodeID` are functions of them.
    public static func == (lhs: SignedEnvelope, rhs: SignedEnvelope) -> Bool {
        lhs.kind == rhs.kind && lhs.payload == rhs.payload && lhs.signer == rhs.signer && lhs.signature == rhs.signature
            && lhs.stamp == rhs.stamp
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(payload)
        hasher.combine(signer)
        hasher.combine(signature)
        hasher.combine(stamp)
    }

    /// Canonicalises `record`, signs it with `identity` and returns the envelope.
    public static func sign<Record: Encodable>(
        _ record: Record, kind: EnvelopeKind, stamp: HLCTimestamp, identity: NodeIdentity
    ) throws -> SignedEnvelope {
        let payload = try CanonicalJSON.encode(record)
        return try sign(payload: payload, kind: kind, stamp: stamp, identity: identity)
    }

    /// Signs already-canonical payload bytes.
    public static func sign(
        payload: [UInt8], kind: EnvelopeKind, stamp: HLCTimestamp, identity: NodeIdentity
    ) throws -> SignedEnvelope {
        guard payload.count <= maxPayloadBytes else {
            throw HiveError(.invalidInput, "payload is \(payload.count) bytes; the limit is \(maxPayloadBytes)")
        }
        let message = signingMessage(kind: kind, stamp: stamp, payload: payload)
        let signature = try identity.sign(message)
        return SignedEnvelope(kind: kind, payload: payload, signer: identity.publicKey, signature: signature, stamp: stamp)
    }

    /// The exact bytes the signature covers.
    public static func signingMessage(kind: EnvelopeKind, stamp: HLCTimestamp, payload: [UInt8]) -> [UInt8] {
        var message = Array("hive.envelope.v1".utf8)
        message.append(0)
        message.append(contentsOf: kind.rawValue.utf8)
        message.append(0)
        message.append(contentsOf: stamp.description.utf8)
        message.append(0)
        message.append(contentsOf: payload)
        return message
    }

    /// Verifies the envelope. Each failure names why: bad signature, unknown kind, malformed
    /// payload (not canonical JSON or oversized), or a stamp too far ahead of `clock`.
    ///
    /// - Parameters:
    ///   - knownKinds: kinds the receiver accepts.
    ///   - clock: when given, the stamp must not lead its physical time by more than its drift bound.
    public func verify(knownKinds: Set<EnvelopeKind> = EnvelopeKind.known, clock: HybridLogicalClock? = nil) throws {
        guard knownKinds.contains(kind) else {
            throw HiveError(.unknownKind, "unknown envelope kind \(kind)")
        }
        guard payload.count <= Self.maxPayloadBytes else {
            throw HiveError(.malformed, "payload is \(payload.count) bytes; the limit is \(Self.maxPayloadBytes)")
        }
        try Ed25519.verify(
            signature: signature,
            message: Self.signingMessage(kind: kind, stamp: stamp, payload: payload),
            publicKey: signer)
        // One pass over the bytes; same verdict as `canonicalize(payload) == payload`.
        try CanonicalJSON.validate(payload)
        if let clock { try clock.validate(stamp) }
    }

    /// Decodes the payload as `Record` (after ``verify(knownKinds:clock:)``).
    public func decodePayload<Record: Decodable>(as type: Record.Type) throws -> Record {
        try HiveJSON.decode(type, from: payload)
    }

    enum CodingKeys: String, CodingKey {
        case kind, payload, signer, signature, stamp
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(EnvelopeKind.self, forKey: .kind)
        let stamp = try container.decode(HLCTimestamp.self, forKey: .stamp)
        let payloadText = try container.decode(String.self, forKey: .payload)
        guard payloadText.utf8.count <= (Self.maxPayloadBytes / 3 + 1) * 4,
            let payload = Data(base64Encoded: payloadText)
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .payload, in: container, debugDescription: "payload must be base64 of at most 1 MiB")
        }
        guard let signer = Hex.decode(try container.decode(String.self, forKey: .signer)), signer.count == 32 else {
            throw DecodingError.dataCorruptedError(
                forKey: .signer, in: container, debugDescription: "signer must be 64 hex digits")
        }
        guard let signature = Data(base64Encoded: try container.decode(String.self, forKey: .signature)),
            signature.count == 64
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .signature, in: container, debugDescription: "signature must be base64 of 64 bytes")
        }
        self.init(kind: kind, payload: Array(payload), signer: signer, signature: Array(signature), stamp: stamp)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(Data(payload).base64EncodedString(), forKey: .payload)
        try container.encode(Hex.encode(signer), forKey: .signer)
        try container.encode(Data(signature).base64EncodedString(), forKey: .signature)
        try container.encode(stamp, forKey: .stamp)
    }
}
