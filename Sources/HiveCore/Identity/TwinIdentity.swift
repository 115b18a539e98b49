import Crypto
import Foundation

/// The stable identity of one user's twin on one device.
///
/// `twinID` = first 26 characters of lowercase base32 of
/// SHA-256("hive.twin-id.v1" ‖ 0x00 ‖ UTF-8(userID) ‖ 0x00 ‖ nodePublicKey).
/// The domain tag keeps this hash from colliding with any other use of SHA-256 over the
/// same bytes; the separators make (user, key) pairs unambiguous. The same user on the same
/// device always gets the same twin id; on another device (another key) a different one.
public struct TwinIdentity: Hashable, Sendable, Codable {
    /// The user this twin serves (bounded, no control characters).
    public let userID: String
    /// The node (device) public key the twin lives on.
    public let nodePublicKey: [UInt8]
    /// The derived twin id.
    public let twinID: String

    /// Longest accepted user id, in UTF-8 bytes.
    public static let maxUserIDBytes = 256

    /// Derives the twin identity; throws for an empty, oversized or control-character user id
    /// or a public key that is not 32 bytes.
    public init(userID: String, nodePublicKey: [UInt8]) throws {
        guard !userID.isEmpty, userID.utf8.count <= Self.maxUserIDBytes else {
            throw HiveError(.invalidInput, "user id must be 1–\(Self.maxUserIDBytes) bytes")
        }
        guard !userID.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw HiveError(.invalidInput, "user id must not contain control characters")
        }
        guard nodePublicKey.count == 32 else {
            throw HiveError(.invalidInput, "node public key must be 32 bytes, got \(nodePublicKey.count)")
        }
        self.userID = userID
        self.nodePublicKey = nodePublicKey
        var hasher = SHA256()
        hasher.update(data: Array("hive.twin-id.v1".utf8) + [0])
        hasher.update(data: Array(userID.utf8) + [0])
        hasher.update(data: nodePublicKey)
        self.twinID = String(Base32.encode(hasher.finalize()).prefix(26))
    }
}
