/// SWIM direct probe.
public struct SwimPing: Sendable, Hashable, Codable {
    public var seq: UInt64
    public var updates: [MemberUpdate]
    public init(seq: UInt64, updates: [MemberUpdate]) {
        self.seq = seq
        self.updates = updates
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
