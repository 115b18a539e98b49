/// SWIM direct probe.
public struct SwimPing: Sendable, Hashable, Codable {
    public var seq: UInt64
    public var updates: [MemberUpdate]
    /// Set on a push-pull member sync: `updates` is the sender's whole table and the answer
    /// carries the receiver's (absent on the wire otherwise).
    public var sync: Bool?
    public init(seq: UInt64, updates: [MemberUpdate], sync: Bool? = nil) {
        self.seq = seq
        self.updates = updates
        self.sync = sync
    }
}

/// SWIM acknowledgement: `target` answered probe `seq`.
public struct SwimAck: Sendable, Hashable, Codable {
    public var seq: UInt64
    public var target: String
    public var updates: [MemberUpdate]
    public init(seq: UInt64, target: String, updates: [MemberUpdate]) {
        self.seq = seq
        self.target = target
        self.updates = updates
    }
}

/// SWIM indirect probe request: probe `target` and send me an ack for `seq` if it answers.
public struct SwimPingRequest: Sendable, Hashable, Codable {
    public var seq: UInt64
    public var target: String
    public init(seq: UInt64, target: String) {
        self.seq = seq
        self.target = target
    }
}
