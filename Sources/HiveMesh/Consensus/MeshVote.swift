import Crypto
import HiveCore

/// A community vote on a subject, the payload of a `vote.v1` envelope signed by the voter.
public struct MeshVote: Sendable, Hashable, Codable {
    /// What is judged: the lowercase hex SHA-256 of a URL (see ``subject(forURL:)``).
    public var subject: String
    public var verdict: Verdict

    public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
        case malicious, benign
    }

    public init(subject: String, verdict: Verdict) throws {
        try Self.validate(subject: subject)
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

    /// Signs this vote as an envelope.
    public func envelope(identity: NodeIdentity, stamp: HLCTimestamp) throws -> SignedEnvelope {
        try SignedEnvelope.sign(self, kind: .vote, stamp: stamp, identity: identity)
    }
}
