import Crypto
import Foundation

/// A device's Ed25519 identity.
///
/// The node id is the first 26 characters of the lowercase base32 of SHA-256(public key):
/// 130 bits, short enough to read aloud, long enough never to collide in practice.
public struct NodeIdentity: Sendable {
    /// Holds the key object once, so signing does not re-derive it from the seed on every call
    /// (that derivation costs about as much as a signature; handshakes and sync sign a lot).
    ///
    /// `@unchecked Sendable`: swift-crypto's key type is not marked Sendable on Linux, but the box
    /// is immutable and Ed25519 signing only reads the key.
    private final class KeyBox: @unchecked Sendable {
        let key: Curve25519.Signing.PrivateKey
        init(_ key: Curve25519.Signing.PrivateKey) { self.key = key }
    }

    private let box: KeyBox
    /// The raw 32-byte public key.
    public let publicKey: [UInt8]
    /// The node id derived from the public key (computed once: stamps and tokens ask for it often).
    public let nodeID: String

    /// Wraps an existing private key.
    public init(privateKey: Curve25519.Signing.PrivateKey) {
        box = KeyBox(privateKey)
        self.publicKey = Array(privateKey.publicKey.rawRepresentation)
        self.nodeID = Self.nodeID(forPublicKey: publicKey)
    }

    /// The signing key. Never logged or printed.
    public var privateKey: Curve25519.Signing.PrivateKey { box.key }

    /// A fresh random identity.
    public static func generate() -> NodeIdentity {
        NodeIdentity(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The public key as lowercase hex.
    public var publicKeyHex: String { Hex.encode(publicKey) }

    /// The node id for any Ed25519 public key.
    public static func nodeID(forPublicKey publicKey: [UInt8]) -> String {
        String(Base32.encode(SHA256.hash(data: publicKey)).prefix(26))
    }

    /// The twin identity of `userID` on this device.
    public func twin(forUser userID: String) throws -> TwinIdentity {
        try TwinIdentity(userID: userID, nodePublicKey: publicKey)
    }

    /// Signs `message` with Ed25519.
    public func sign(_ message: some DataProtocol) throws -> [UInt8] {
        do {
            return Array(try privateKey.signature(for: Data(message)))
        } catch {
            throw HiveError(.io, "Ed25519 signing failed: \(error)")
        }
    }
}
