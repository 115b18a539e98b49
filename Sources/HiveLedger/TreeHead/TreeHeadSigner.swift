import Crypto
import Foundation
import HiveCore

/// Something that signs tree heads with an Ed25519 key: the hub's identity.
public protocol TreeHeadSigner: Sendable {
    /// The raw 32-byte Ed25519 public key verifiers use.
    var publicKeyBytes: [UInt8] { get }
    /// An Ed25519 signature (64 bytes) over `message`.
    func ed25519Signature(for message: [UInt8]) throws -> [UInt8]
}

/// A ``TreeHeadSigner`` over a swift-crypto Ed25519 private key.
// @unchecked: `Curve25519.Signing.PrivateKey` is an immutable value that is never mutated after
// creation; swift-crypto only lacks the Sendable annotation for its BoringSSL-backed form on Linux.
public struct Ed25519TreeHeadSigner: TreeHeadSigner, @unchecked Sendable {
    private let key: Curve25519.Signing.PrivateKey

    public init(_ key: Curve25519.Signing.PrivateKey) {
        self.key = key
    }

    public var publicKeyBytes: [UInt8] { Array(key.publicKey.rawRepresentation) }

    public func ed25519Signature(for message: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: message))
    }
}

/// The hub signs tree heads with its node identity.
extension NodeIdentity: TreeHeadSigner {
    public var publicKeyBytes: [UInt8] { publicKey }

    public func ed25519Signature(for message: [UInt8]) throws -> [UInt8] {
        try sign(message)
    }
}
