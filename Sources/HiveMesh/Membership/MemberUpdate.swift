/// A piggybacked membership fact: `nodeID` is `status` at `incarnation`.
public struct MemberUpdate: Sendable, Hashable, Codable {
    public var nodeID: String
    public var address: MeshAddress?
    public var status: MemberStatus
    public var incarnation: UInt64

    public init(nodeID: String, address: MeshAddress?, status: MemberStatus, incarnation: UInt64) {
        self.nodeID = nodeID
        self.address = address
        self.status = status
        self.incarnation = incarnation
    }

    /// Whether this update overrides `current` (SWIM: higher incarnation wins; at equal
    /// incarnation suspect overrides alive and dead overrides both).
    public func supersedes(_ current: MemberUpdate) -> Bool {
        if current.status == .dead && status != .dead { return incarnation > current.incarnation }
        if incarnation != current.incarnation { return incarnation > current.incarnation }
        return status > current.status
    }
}
