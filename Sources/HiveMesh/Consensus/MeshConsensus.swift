import HiveCore

/// Community decisions from signed votes (MeshConsensus of the design seeds).
///
/// - Each vote is a `vote.v1` ``SignedEnvelope``; it is verified before it is counted.
/// - One vote per identity per subject: the first by (HLC stamp, envelope id) counts, so every
///   node picks the same one whatever order the votes arrived in; later ones are refused as duplicates.
/// - Votes from blocked identities never count.
/// - A subject is decided when at least ``quorum`` votes counted and one verdict has at least
///   ``threshold`` of them. Results list their voters.
/// - The distributed blocklist is the subjects decided malicious plus the hub's blocklist.
public struct MeshConsensus: Sendable {
    /// Why a vote did not count.
    public enum Refusal: Error, Sendable, Hashable {
        case blockedVoter(String)
        case duplicateVoter(String)
    }

    /// Least number of counted votes for a decision.
    public var quorum: Int
    /// Least share of counted votes the winning verdict needs (0.5 < threshold ≤ 1).
    public var threshold: Double
    /// Node ids whose votes are refused.
    public var blockedVoters: Set<String>
    /// Subjects the hub blocklisted (merged into ``blocklist``).
    public var hubBlocklist: Set<String> = []

    // subject → voter → (stamp, id, verdict)
    private var ballots: [String: [String: (stamp: HLCTimestamp, id: String, verdict: MeshVote.Verdict)]] = [:]

    /// Throws ``HiveError/Code/invalidInput`` for a quorum below 1 or a threshold outside (0.5, 1].
    public init(quorum: Int = 3, threshold: Double = 0.66, blockedVoters: Set<String> = []) throws {
        guard quorum >= 1 else { throw HiveError(.invalidInput, "quorum must be at least 1") }
        guard threshold.isFinite, threshold > 0.5, threshold <= 1 else {
            throw HiveError(.invalidInput, "threshold must be in (0.5, 1]")
        }
        self.quorum = quorum
        self.threshold = threshold
        self.blockedVoters = blockedVoters
    }

    /// Verifies and counts a vote envelope. Throws ``HiveError`` for a bad signature or payload;
    /// returns a ``Refusal`` when the vote is valid but does not count.
    @discardableResult
    public mutating func record(_ envelope: SignedEnvelope) throws -> Refusal? {
        try envelope.verify(knownKinds: [.vote])
        let vote = try envelope.decodePayload(as: MeshVote.self)
        try MeshVote.validate(subject: vote.subject)
        let voter = envelope.signerNodeID
        guard vote.voter == voter else {
            throw HiveError(.forbidden, "vote names voter \(vote.voter) but is signed by \(voter)")
        }
        if blockedVoters.contains(voter) { return .blockedVoter(voter) }
        var subject = ballots[vote.subject] ?? [:]
        if let existing = subject[voter] {
            let id = envelope.id
            if (envelope.stamp, id) < (existing.stamp, existing.id) {
                subject[voter] = (envelope.stamp, id, vote.verdict)
                ballots[vote.subject] = subject
            }
            return id == existing.id ? nil : .duplicateVoter(voter)
        }
        subject[voter] = (envelope.stamp, envelope.id, vote.verdict)
        ballots[vote.subject] = subject
        return nil
    }

    /// The current result for `subject`.
    public func result(_ subject: String) -> MeshVerdict {
        let counted = (ballots[subject] ?? [:]).filter { !blockedVoters.contains($0.key) }
        let malicious = counted.values.filter { $0.verdict == .malicious }.count
        let benign = counted.count - malicious
        var verdict: MeshVote.Verdict?
        if counted.count >= quorum {
            if Double(malicious) >= threshold * Double(counted.count) {
                verdict = .malicious
            } else if Double(benign) >= threshold * Double(counted.count) {
                verdict = .benign
            }
        }
        return MeshVerdict(subject: subject, verdict: verdict, malicious: malicious, benign: benign, voters: counted.keys.sorted())
    }

    /// Results for every subject voted on, by subject.
    public var results: [MeshVerdict] { ballots.keys.sorted().map(result) }

    /// Subjects decided malicious by the mesh, plus the hub's blocklist.
    public var blocklist: Set<String> {
        Set(results.filter { $0.verdict == .malicious }.map(\.subject)).union(hubBlocklist)
    }
}
