import Foundation
import HiveCore

/// Twin registration: a twin proves it holds the private key of the public key it registers by
/// signing a fresh hub challenge. Challenges are random, single-use and expire.
public enum Registration {
    /// `POST /twins/challenge` answer.
    public struct Challenge: Codable, Sendable, Hashable {
        /// 32 random bytes, hex.
        public var challenge: String
        /// ms since the Unix epoch.
        public var expiresAt: Int64
    }

    /// `POST /twins` body.
    public struct Request: Codable, Sendable, Hashable {
        /// The twin's Ed25519 public key, hex.
        public var publicKey: String
        /// The user the twin serves (the twin id derives from user + key).
        public var userID: String
        /// Free-form labels (≤ 32 entries, keys ≤ 64 bytes, values ≤ 256 bytes).
        public var metadata: [String: String]
        /// The challenge from `POST /twins/challenge`.
        public var challenge: String
        /// Base64 Ed25519 signature over ``signingMessage(challenge:publicKeyHex:userID:)``.
        public var signature: String

        public init(publicKey: String, userID: String, metadata: [String: String], challenge: String, signature: String) {
            self.publicKey = publicKey
            self.userID = userID
            self.metadata = metadata
            self.challenge = challenge
            self.signature = signature
        }

        /// Builds and signs a registration for `identity`.
        public static func signed(
            identity: NodeIdentity, userID: String, metadata: [String: String] = [:], challenge: String
        ) throws -> Request {
            let message = Registration.signingMessage(challenge: challenge, publicKeyHex: identity.publicKeyHex, userID: userID)
            let signature = try identity.sign(message)
            return Request(
                publicKey: identity.publicKeyHex, userID: userID, metadata: metadata, challenge: challenge,
                signature: Data(signature).base64EncodedString())
        }
    }

    /// `POST /twins` answer.
    public struct Response: Codable, Sendable, Hashable {
        public var twinID: String
        public var accessToken: String
        /// ms since the Unix epoch.
        public var accessTokenExpiresAt: Int64
        /// The hub key the token is signed with (hex), for pinning.
        public var hubPublicKey: String
    }

    /// The bytes a registration signature covers: `"hive.register.v1" ‖ 0 ‖ challenge ‖ 0 ‖ key hex ‖ 0 ‖ user`.
    public static func signingMessage(challenge: String, publicKeyHex: String, userID: String) -> [UInt8] {
        var message = Array("hive.register.v1".utf8)
        message.append(0)
        message.append(contentsOf: challenge.utf8)
        message.append(0)
        message.append(contentsOf: publicKeyHex.utf8)
        message.append(0)
        message.append(contentsOf: userID.utf8)
        return message
    }

    /// Validates a request and verifies its signature (no storage involved), returning the
    /// twin identity it registers. Throws `invalidInput` or `badSignature` naming the field.
    public static func verify(_ request: Request) throws -> TwinIdentity {
        guard let key = Hex.decode(request.publicKey), key.count == 32 else {
            throw HiveError(.invalidInput, "publicKey must be 64 hex digits")
        }
        guard request.challenge.utf8.count == 64, Hex.decode(request.challenge) != nil else {
            throw HiveError(.invalidInput, "challenge must be 64 hex digits")
        }
        guard request.metadata.count <= 32 else { throw HiveError(.invalidInput, "metadata has more than 32 entries") }
        for (name, value) in request.metadata {
            try Validation.check(name, maxBytes: 64, nonEmpty: true, field: "metadata key")
            try Validation.check(value, maxBytes: 256, field: "metadata.\(name.prefix(64))")
        }
        let twin = try TwinIdentity(userID: request.userID, nodePublicKey: key)
        guard let signature = Data(base64Encoded: request.signature) else {
            throw HiveError(.invalidInput, "signature must be base64")
        }
        try Ed25519.verify(
            signature: Array(signature),
            message: signingMessage(challenge: request.challenge, publicKeyHex: request.publicKey, userID: request.userID),
            publicKey: key)
        return twin
    }
}
