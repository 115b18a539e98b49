import HiveCore

/// Carried by every coordinated task: the term of the leader that issued it. A resource that
/// has seen term t refuses tokens from terms below t, so a deposed leader that has not heard
/// the news yet cannot act after its successor has.
public struct FencingToken: Sendable, Hashable, Codable, Comparable {
    public var term: UInt64
    public var leader: String

    public init(term: UInt64, leader: String) {
        self.term = term
        self.leader = leader
    }

    public static func < (lhs: FencingToken, rhs: FencingToken) -> Bool { lhs.term < rhs.term }
}

/// The check a coordinated resource runs on each token.
public struct FencingGuard: Sendable {
    /// Highest term accepted so far.
    public private(set) var highest: FencingToken?

    public init() {}

    /// Accepts `token` if its term is not below the highest seen, and a token of the same term
    /// comes from the same leader; throws ``HiveError/Code/forbidden`` otherwise.
    public mutating func accept(_ token: FencingToken) throws {
        if let highest {
            guard token.term >= highest.term else {
                throw HiveError(.forbidden, "stale fencing token: term \(token.term) < \(highest.term)")
            }
            guard token.term > highest.term || token.leader == highest.leader else {
                throw HiveError(.inconsistent, "two leaders (\(highest.leader), \(token.leader)) in term \(token.term)")
            }
        }
        highest = token
    }
}
