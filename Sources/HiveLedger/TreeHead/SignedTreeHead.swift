import Crypto
import Foundation
import HiveCore

/// A signed tree head (STH): the hub's signed statement "the log had `treeSize` entries with
/// root `rootHash` at `timestampMs`".
///
/// ## Canonical encoding
///
/// The signature covers exactly these 56 bytes (``signedMessage``), a fixed binary layout with
/// no optional parts, so there is one encoding per head:
///
/// | offset | length | field |
/// |---|---|---|
/// | 0 | 8 | ASCII `HIVESTH1` (domain separation and format version) |
/// | 8 | 8 | tree size, unsigned, big-endian |
/// | 16 | 8 | timestamp, milliseconds since the Unix epoch, unsigned, big-endian |
/// | 24 | 32 | root hash (RFC 9162 Merkle Tree Hash) |
///
/// The signature is Ed25519 (RFC 8032) by ``signerKey`` over those bytes. The complete head
/// travels as ``encoded()``: the 56 signed bytes, then the 32-byte public key, then the
/// 64-byte signature (152 bytes). The JSON form (Codable) carries the same fields, byte
/// strings in lower-case hex.
public struct SignedTreeHead: Sendable, Hashable, Codable {
    /// The 8-byte prefix of the signed message.
    public static let magic: [UInt8] = Array("HIVESTH1".utf8)
    /// Length of ``signedMessage``.
    public static let signedMessageLength = 56
    /// Length of ``encoded()``.
    public static let encodedLength = 152

    public var treeSize: UInt64
    public var timestampMs: UInt64
    public var rootHash: TreeHash
    /// Raw Ed25519 public key of the signer (32 bytes).
    public var signerKey: [UInt8]
    /// Ed25519 signature over ``signedMessage`` (64 bytes).
    public var signature: [UInt8]

    public init(treeSize: UInt64, timestampMs: UInt64, rootHash: TreeHash, signerKey: [UInt8], signature: [UInt8]) {
        self.treeSize = treeSize
        self.timestampMs = timestampMs
        self.rootHash = rootHash
        self.signerKey = signerKey
        self.signature = signature
    }

    /// Signs a head for the given tree.
    public static func sign(
        treeSize: UInt64, timestampMs: UInt64, rootHash: TreeHash, signer: some TreeHeadSigner
    ) throws -> SignedTreeHead {
        let message = signedMessage(treeSize: treeSize, timestampMs: timestampMs, rootHash: rootHash)
        return SignedTreeHead(
            treeSize: treeSize, timestampMs: timestampMs, rootHash: rootHash,
            signerKey: signer.publicKeyBytes, signature: try signer.ed25519Signature(for: message))
    }

    /// The 56 bytes the signature covers (see the type's documentation).
    public var signedMessage: [UInt8] {
        Self.signedMessage(treeSize: treeSize, timestampMs: timestampMs, rootHash: rootHash)
    }

    static func signedMessage(treeSize: UInt64, timestampMs: UInt64, rootHash: TreeHash) -> [UInt8] {
        var out = magic
        out.reserveCapacity(signedMessageLength)
        appendBigEndian(treeSize, to: &out)
        appendBigEndian(timestampMs, to: &out)
        out += rootHash.bytes
        return out
    }

    /// Whether the signature is valid and made by `publicKey` (raw 32 bytes). Never traps.
    public func verify(publicKey: [UInt8]) -> Bool {
        (try? check(publicKey: publicKey)) != nil
    }

    /// Checks the signature, made by `publicKey` if given (otherwise by ``signerKey``), and
    /// throws ``HiveError/Code/badSignature`` if it fails.
    public func check(publicKey: [UInt8]? = nil) throws {
        if let publicKey, publicKey != signerKey {
            throw HiveError(.badSignature, "tree head at size \(treeSize) is signed by \(Hex.encode(signerKey).prefix(16))…, expected \(Hex.encode(publicKey).prefix(16))…")
        }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: signerKey) else {
            throw HiveError(.badSignature, "tree head at size \(treeSize) carries a malformed Ed25519 key (\(signerKey.count) bytes)")
        }
        guard signature.count == 64, key.isValidSignature(signature, for: signedMessage) else {
            throw HiveError(.badSignature, "tree head at size \(treeSize): Ed25519 signature does not verify")
        }
    }

    /// The 152-byte binary form: signed message ‖ signer key ‖ signature.
    public func encoded() -> [UInt8] {
        signedMessage + signerKey + signature
    }

    /// Decodes ``encoded()``; throws ``HiveError/Code/malformed`` on wrong length or magic.
    /// Does not check the signature (call ``check(publicKey:)``).
    public init(encoded bytes: [UInt8]) throws {
        guard bytes.count == Self.encodedLength else {
            throw HiveError(.malformed, "an encoded tree head has \(Self.encodedLength) bytes, got \(bytes.count)")
        }
        guard Array(bytes[0..<8]) == Self.magic else {
            throw HiveError(.malformed, "an encoded tree head starts with HIVESTH1")
        }
        self.init(
            treeSize: Self.readBigEndian(bytes[8..<16]),
            timestampMs: Self.readBigEndian(bytes[16..<24]),
            rootHash: try TreeHash(bytes: bytes[24..<56]),
            signerKey: Array(bytes[56..<88]),
            signature: Array(bytes[88..<152]))
    }

    private static func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    // MARK: Codable (hex byte strings)

    enum CodingKeys: String, CodingKey {
        case treeSize = "tree_size"
        case timestampMs = "timestamp_ms"
        case rootHash = "root_hash"
        case signerKey = "signer_key"
        case signature
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let key = try c.decode(String.self, forKey: .signerKey)
        let sig = try c.decode(String.self, forKey: .signature)
        guard let keyBytes = Hex.decode(key), keyBytes.count == 32 else {
            throw HiveError(.malformed, "tree head signer_key must be 64 hex characters")
        }
        guard let sigBytes = Hex.decode(sig), sigBytes.count == 64 else {
            throw HiveError(.malformed, "tree head signature must be 128 hex characters")
        }
        self.init(
            treeSize: try c.decode(UInt64.self, forKey: .treeSize),
            timestampMs: try c.decode(UInt64.self, forKey: .timestampMs),
            rootHash: try c.decode(TreeHash.self, forKey: .rootHash),
            signerKey: keyBytes, signature: sigBytes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(treeSize, forKey: .treeSize)
        try c.encode(timestampMs, forKey: .timestampMs)
        try c.encode(rootHash, forKey: .rootHash)
        try c.encode(Hex.encode(signerKey), forKey: .signerKey)
        try c.encode(Hex.encode(signature), forKey: .signature)
    }
}
