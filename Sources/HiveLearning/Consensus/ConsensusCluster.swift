/// One cluster of similar patterns and the verdict on it.
public struct ConsensusCluster: Sendable, Hashable, Codable {
    /// Why a cluster was not accepted.
    public enum Rejection: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Fewer distinct twins than required.
        case tooFewVoters(voters: Int, required: Int)
        /// The reputation-weighted success fell short.
        case insufficientAgreement(score: Double, required: Double)
        /// Every voter has zero reputation, so no score can be formed.
        case noReputation

        public var description: String {
            switch self {
            case .tooFewVoters(let voters, let required):
                "\(voters) distinct twin(s) voted; \(required) are required"
            case .insufficientAgreement(let score, let required):
                "reputation-weighted success \(score) is below the required \(required)"
            case .noReputation:
                "every voter has zero reputation"
            }
        }
    }

    /// The pattern that founded the cluster (the first in the deterministic order).
    public var representative: String
    /// Member pattern ids, in the deterministic order.
    public var members: [String]
    /// Distinct voting twins, sorted.
    public var voters: [String]
    /// Number of distinct voting twins.
    public var votes: Int { voters.count }
    /// Reputation-weighted success: Σₜ rₜ·sₜ / Σₜ rₜ over voting twins t, with sₜ the mean success
    /// of t's patterns in the cluster (so a twin counts once however many patterns it sent).
    public var score: Double
    /// Whether consensus was reached.
    public var accepted: Bool { rejection == nil }
    /// Why not, when it was not.
    public var rejection: Rejection?

    public init(representative: String, members: [String], voters: [String], score: Double, rejection: Rejection?) {
        self.representative = representative
        self.members = members
        self.voters = voters
        self.score = score
        self.rejection = rejection
    }
}
