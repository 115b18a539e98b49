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

extension Curve25519.Signing.PrivateKey: TreeHeadSigner {
    public var publicKeyBytes: [UInt8] { Array(publicKey.rawRepresentation) }

    public func ed25519Signature(for message: [UInt8]) throws -> [UInt8] {
        Array(try signature(for: message))
    }
}
