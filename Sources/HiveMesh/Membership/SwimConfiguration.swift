import Foundation

/// SWIM parameters (Das, Gupta, Motivala 2002, with the Lifeguard-style suspicion scaling of
/// hashicorp/memberlist).
///
/// | parameter | default | memberlist LAN |
/// |---|---|---|
/// | ``probeIntervalMs`` | 200 ms | 1 s |
/// | ``ackTimeoutMs`` | 100 ms | 500 ms |
/// | ``indirectChecks`` (k) | 3 | 3 |
/// | ``suspicionMultiplier`` | 4 | 4 |
/// | ``retransmitMultiplier`` | 4 | 4 |
/// | ``maxAwareness`` (local health) | 8 | 8 |
///
/// A suspect is declared dead after `suspicionMultiplier · max(1, log10 N) · probeInterval`, so
/// the timeout grows with the log of the group size (more members → more time for a refutation
/// to spread). Each update is piggybacked `retransmitMultiplier · ⌈log10(N + 1)⌉` times.
/// Defaults are faster than memberlist's because mesh peers sit on a LAN or loopback and the
/// messages ride on already-open TCP sessions.
public struct SwimConfiguration: Sendable {
    public var probeIntervalMs: UInt64 = 200
    public var ackTimeoutMs: UInt64 = 100
    public var indirectChecks = 3
    public var suspicionMultiplier = 4.0
    public var retransmitMultiplier = 4
    /// Highest local health score: a starved node stretches its probe period and ack timeout up
    /// to `maxAwareness + 1` times (memberlist: 8).
    public var maxAwareness = 8
    /// Most updates piggybacked per message.
    public var maxPiggyback = 16

    public init() {}

    /// Suspicion timeout for a group of `members` nodes.
    public func suspicionTimeoutMs(members: Int) -> UInt64 {
        UInt64(suspicionMultiplier * max(1, log10(Double(max(1, members)))) * Double(probeIntervalMs))
    }

    /// How many times each update is piggybacked in a group of `members` nodes.
    public func retransmits(members: Int) -> Int {
        retransmitMultiplier * Int(ceil(log10(Double(max(1, members) + 1))))
    }
}
