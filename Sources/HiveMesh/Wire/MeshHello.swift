import Foundation
import HiveCore

/// Handshake opening: who I claim to be, a fresh nonce, and where I listen.
public struct MeshHello: Sendable, Hashable, Codable {
    /// Protocol version; peers with another version are refused.
    public var version: Int
    /// Raw Ed25519 public key (hex).
    public var publicKey: String
    /// 32 fresh random bytes (hex), so every transcript (and thus every signature) is unique.
    public var nonce: String
    /// The address this node accepts connections on ("host:port"), if any.
    public var listen: String?

    public init(version: Int = MeshHello.currentVersion, publicKey: String, nonce: String, listen: String?) {
        self.version = version
        self.publicKey = publicKey
        self.nonce = nonce
        self.listen = listen
    }

    public static let currentVersion = 1
}

/// Handshake proof: an Ed25519 signature over the domain-separated transcript hash.
public struct MeshAuth: Sendable, Hashable, Codable {
    /// Signature (hex).
    public var signature: String

    public init(signature: String) { self.signature = signature }
}
