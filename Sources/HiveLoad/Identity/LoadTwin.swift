import HiveCore

/// One simulated twin: its key, user and (once registered) twin id.
public struct LoadTwin: Sendable {
    public let index: Int
    public let identity: NodeIdentity
    public let userID: String
    public let twinID: String

    public init(index: Int, identity: NodeIdentity) throws {
        self.index = index
        self.identity = identity
        self.userID = "load-\(index)"
        self.twinID = try identity.twin(forUser: userID).twinID
    }
}
