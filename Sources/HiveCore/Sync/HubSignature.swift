import Foundation

/// The hub's Ed25519 signature over a value it publishes (a sync pull, a model version).
///
/// Signed bytes: `domain ‖ 0x00 ‖ canonical JSON (RFC 8785) of the value`. A twin re-canonicalises
/// the value it decoded and checks the signature with the hub key it pinned; canonical JSON makes
/// the bytes independent of how the JSON was formatted in transit.
public struct HubSignature: Hashable, Sendable, Codable {
    /// Always "Ed25519".
    public var algorithm: String
    /// The hub's node id (derived from its public key).
    public var keyID: String
    /// Base64 of the 64-byte signature.
    public var value: String

    public init(algorithm: String = "Ed25519", keyID: String, value: String) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.value = value
    }

    /// The exact bytes signed for `value` under `domain`.
    public static func message<T: Encodable>(for value: T, domain: String) throws -> [UInt8] {
        var message = Array(domain.utf8)
        message.append(0)
        message.append(contentsOf: try CanonicalJSON.encode(value))
        return message
    }

    /// Signs `value` with the hub identity.
    public static func sign<T: Encodable>(_ value: T, domain: String, identity: NodeIdentity) throws -> HubSignature {
        let signature = try identity.sign(message(for: value, domain: domain))
        return HubSignature(keyID: identity.nodeID, value: Data(signature).base64EncodedString())
    }

    /// Verifies the signature over `value` under the raw hub public key; throws ``HiveError/Code/badSignature``.
    public func verify<T: Encodable>(_ signed: T, domain: String, hubPublicKey: [UInt8]) throws {
        guard algorithm == "Ed25519" else { throw HiveError(.badSignature, "unsupported signature algorithm \(algorithm)") }
        guard keyID == NodeIdentity.nodeID(forPublicKey: hubPublicKey) else {
            throw HiveError(.badSignature, "signed by \(keyID), not by the pinned hub key")
        }
        guard let signature = Data(base64Encoded: self.value) else {
            throw HiveError(.badSignature, "signature is not base64")
        }
        try Ed25519.verify(
            signature: Array(signature), message: Self.message(for: signed, domain: domain), publicKey: hubPublicKey)
    }
}
