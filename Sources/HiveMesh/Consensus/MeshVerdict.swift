/// The outcome of the votes on one subject, with who voted.
public struct MeshVerdict: Sendable, Hashable, Codable {
    public var subject: String
    /// The winning verdict when quorum and threshold are met, else nil (undecided).
    public var verdict: MeshVote.Verdict?
    public var malicious: Int
    public var benign: Int
    /// Node ids whose votes counted, sorted.
    public var voters: [String]

    public init(subject: String, verdict: MeshVote.Verdict?, malicious: Int, benign: Int, voters: [String]) {
        self.subject = subject
        self.verdict = verdict
        self.malicious = malicious
        self.benign = benign
        self.voters = voters
    }
}
