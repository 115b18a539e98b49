import Crypto
import Foundation

/// Ed25519 verification as used by every signed record in Hive (RFC 8032, via swift-crypto).
public enum Ed25519 {
    /// Length of a raw public key.
    public static let publicKeyLength = 32
    /// Length of a signature.
    public static let signatureLength = 64

    /// Checks `signature` over `message` under the raw 32-byte `publicKey`.
    /// Throws ``HiveError/Code/badSignature`` naming why it failed.
    public static func verify(signature: [UInt8], message: some DataProtocol, publicKey: [UInt8]) throws {
        guard publicKey.count == publicKeyLength else {
            throw HiveError(.badSignature, "signer key must be \(publicKeyLength) bytes, got \(publicKey.count)")
        }
        guard signature.count == signatureLength else {
            throw HiveError(.badSignature, "signature must be \(signatureLength) bytes, got \(signature.count)")
        }
        let key: Curve25519.Signing.PublicKey
        do {
            key = try Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        } catch {
            throw HiveError(.badSignature, "signer key is not a valid Ed25519 public key")
        }
        guard key.isValidSignature(signature, for: Data(message)) else {
            throw HiveError(.badSignature, "signature does not verify under the signer key")
        }
    }
}
