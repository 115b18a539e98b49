import Foundation
import Synchronization

/// A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014).
///
/// Stamps are strictly increasing on one node, stay close to physical time, and order
/// causally related events across nodes even when wall clocks disagree: a device whose
/// clock runs an hour behind still stamps a causally later write higher. Remote stamps more
/// than ``maxDriftMs`` ahead of local physical time are refused, so one bad clock cannot
/// drag every node into the future. Safe to call from many tasks at once.
public final class HybridLogicalClock: Sendable {
    /// This node's id, the tiebreak between equal packed values.
    public let nodeID: String
    /// Largest accepted lead of a remote stamp over local physical time, in ms (default 5 min).
    public let maxDriftMs: UInt64

    private let physicalClock: @Sendable () -> UInt64
    private let state: Mutex<UInt64>  // last packed value issued or observed

    /// Creates a clock. `physicalClock` returns milliseconds since the Unix epoch (injectable for tests).
    public init(
        nodeID: String,
        maxDriftMs: UInt64 = 5 * 60 * 1000,
        last: HLCTimestamp? = nil,
        physicalClock: @escaping @Sendable () -> UInt64 = HybridLogicalClock.systemMilliseconds
    ) {
        self.nodeID = nodeID
        self.maxDriftMs = maxDriftMs
        self.physicalClock = physicalClock
        self.state = Mutex(last?.packed ?? 0)
    }

    /// Wall-clock milliseconds since the Unix epoch.
    @Sendable public static func systemMilliseconds() -> UInt64 {
        UInt64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// A stamp for a local or send event: greater than every stamp this clock issued or received.
    public func now() -> HLCTimestamp {
        let physical = physicalClock() << 16
        let packed = state.withLock { last -> UInt64 in
            // max(l, pt) with a fresh counter, or bump the counter; a counter overflow carries
            // into the physical part, which keeps stamps strictly increasing.
            let next = physical > last ? physical : last + 1
            last = next
            return next
        }
        return HLCTimestamp(packed: packed, nodeID: nodeID)
    }

    /// Merges a remote stamp (receive event) and returns a stamp greater than both it and
    /// every local stamp. Throws ``HiveError/Code/clockDrift`` when the remote stamp is more
    /// than ``maxDriftMs`` ahead of local physical time; the clock is then unchanged.
    @discardableResult
    public func receive(_ remote: HLCTimestamp) throws -> HLCTimestamp {
        let physicalMs = physicalClock()
        try checkDrift(remote, physicalMs: physicalMs)
        let physical = physicalMs << 16
        let packed = state.withLock { last -> UInt64 in
            let next = max(physical, last + 1, remote.packed + 1)
            last = next
            return next
        }
        return HLCTimestamp(packed: packed, nodeID: nodeID)
    }

    /// Checks a remote stamp against the drift bound without advancing the clock.
    public func validate(_ remote: HLCTimestamp) throws {
        try checkDrift(remote, physicalMs: physicalClock())
    }

    /// Throws ``HiveError/Code/clockDrift`` when `remote` leads `physicalMs` by more than ``maxDriftMs``.
    private func checkDrift(_ remote: HLCTimestamp, physicalMs: UInt64) throws {
        if remote.physicalMs > physicalMs, remote.physicalMs - physicalMs > maxDriftMs {
            throw HiveError(
                .clockDrift,
                "stamp from \(remote.nodeID) is \(remote.physicalMs - physicalMs) ms in the future (limit \(maxDriftMs) ms)"
            )
        }
    }

    /// The last stamp issued or observed.
    public var last: HLCTimestamp { HLCTimestamp(packed: state.withLock { $0 }, nodeID: nodeID) }
}
