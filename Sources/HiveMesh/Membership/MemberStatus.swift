/// SWIM member state.
public enum MemberStatus: String, Sendable, Hashable, Codable, Comparable {
    case alive, suspect, dead

    /// Precedence at equal incarnation: dead > suspect > alive (SWIM's override rules).
    var rank: Int {
        switch self {
        case .alive: 0
        case .suspect: 1
        case .dead: 2
        }
    }

    public static func < (lhs: MemberStatus, rhs: MemberStatus) -> Bool { lhs.rank < rhs.rank }
}
