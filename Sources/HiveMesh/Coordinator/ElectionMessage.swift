/// Leader election traffic of ``ClusterCoordinator``.
public struct ElectionMessage: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A candidate asks for votes in `term`.
        case requestVote = "request-vote"
        /// A voter's answer for `term`.
        case vote
        /// The winner of `term` announces itself (also its periodic heartbeat).
        case announce
    }

    public var kind: Kind
    public var term: UInt64
    /// The candidate or leader.
    public var candidate: String
    /// For `.vote`: whether it was granted.
    public var granted: Bool?

    public init(kind: Kind, term: UInt64, candidate: String, granted: Bool? = nil) {
        self.kind = kind
        self.term = term
        self.candidate = candidate
        self.granted = granted
    }
}
