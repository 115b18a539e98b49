/// The direct probe this node has in flight, and who may answer it.
///
/// An ack counts for the probe only when it carries the probe's sequence number, names the probed
/// member as the one that answered, and comes either from that member itself or from one of the
/// helpers asked to probe it indirectly. Without this, an ack from anyone (a late ack of an older
/// probe, an ack to a refutation ping, or a peer acking on someone else's behalf) could keep a dead
/// member alive.
public struct SwimProbe: Sendable, Hashable {
    public let seq: UInt64
    public let target: String
    /// Members asked to probe ``target`` for us (ping-req).
    public private(set) var helpers: Set<String> = []

    public init(seq: UInt64, target: String) {
        self.seq = seq
        self.target = target
    }

    /// Records the helpers asked for indirect probes.
    public mutating func asked(_ helpers: some Sequence<String>) {
        self.helpers.formUnion(helpers)
    }

    /// Whether `ack`, received on the session with `sender`, answers this probe.
    public func accepts(_ ack: SwimAck, from sender: String) -> Bool {
        guard ack.seq == seq, ack.target == target else { return false }
        return sender == target || helpers.contains(sender)
    }
}

/// A ping this node sends on behalf of another member's indirect probe (ping-req).
public struct SwimRelayedProbe: Sendable, Hashable {
    /// Who asked, and its own sequence number for the probe.
    public let requester: String
    public let requesterSeq: UInt64
    /// Whom we ping for it.
    public let target: String

    public init(requester: String, requesterSeq: UInt64, target: String) {
        self.requester = requester
        self.requesterSeq = requesterSeq
        self.target = target
    }

    /// Whether `ack`, received from `sender`, is the target's answer to our relayed ping.
    public func accepts(_ ack: SwimAck, from sender: String) -> Bool {
        sender == target && ack.target == target
    }
}
