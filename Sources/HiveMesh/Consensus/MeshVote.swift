import Crypto
import HiveCore

/// A community vote on a subject, the payload of a `vote.v1` envelope signed by the voter.
///
/// The voter's node id is part of the payload: envelope ids are the hash of the payload, so
/// without it every "malicious" vote on one subject would share an id and be deduplicated away.
public struct MeshVote: Sendable, Hashable, Codable {
    /// Node id of the voter; must match the envelope's signer.
    public var voter: String
    /// What is judged: the lowercase hex SHA-256 of a URL (see ``subject(forURL:)``).
    public var subject: String
    public var verdict: Verdict

    public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
        case malicious, benign
    }

    public init(subject: String, verdict: Verdict, voter: String) throws {
        try Self.validate(subject: subject)
        self.voter = voter
        self.subject = subject
        self.verdict = verdict
    }

    /// The subject id of a URL: hex SHA-256 of its UTF-8 bytes.
    public static func subject(forURL url: String) -> String { Hex.encode(SHA256.hash(data: Array(url.utf8))) }

    /// Subjects are 64 lowercase hex digits.
    public static func validate(subject: String) throws {
        guard subject.utf8.count == 64, subject.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw HiveError(.invalidInput, "vote subject must be 64 lowercase hex digits (a SHA-256)")
        }
    }

    /// Signs this vote as an envelope; throws ``HiveError/Code/invalidInput`` when `identity` is not the voter.
    public func envelope(identity: NodeIdentity, stamp: HLCTimestamp) throws -> SignedEnvelope {
        guard identity.nodeID == voter else { throw HiveError(.invalidInput, "vote names voter \(voter) but is signed by \(identity.nodeID)") }
        return try SignedEnvelope.sign(self, kind: .vote, stamp: stamp, identity: identity)
    }

    /// A vote by `identity`, signed.
    public static func cast(_ verdict: Verdict, on subject: String, by identity: NodeIdentity, stamp: HLCTimestamp) throws -> SignedEnvelope {
        try MeshVote(subject: subject, verdict: verdict, voter: identity.nodeID).envelope(identity: identity, stamp: stamp)
    }
}
