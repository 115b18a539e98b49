import HiveCore
import Synchronization

/// The difference between the hub's clock and this device's, learned at authentication.
///
/// The hub refuses stamps more than its drift bound (5 min) ahead of its own clock, so a twin
/// whose wall clock runs an hour fast would see every write rejected. The twin reads the hub's
/// time from the `iat` claim of the access token it just received (second resolution) and
/// shifts its physical clock by the difference; open the ``TwinStore`` with
/// ``physicalClock`` so every later stamp uses hub-aligned time. Stamps issued before the offset
/// was known are re-stamped for transport by ``SyncClient`` (see its documentation).
public final class HubClockOffset: Sendable {
    private let offset: Atomic<Int64>
    private let base: @Sendable () -> UInt64

    /// Offsets smaller than this are noise (token `iat` has one-second resolution plus network delay).
    public static let minimumMs: Int64 = 2_000

    /// `base` is the device clock (ms since the epoch); `initialMs` a previously persisted offset.
    public init(initialMs: Int64 = 0, base: @escaping @Sendable () -> UInt64 = HybridLogicalClock.systemMilliseconds) {
        self.offset = Atomic(initialMs)
        self.base = base
    }

    /// The current offset (hub − device), ms.
    public var milliseconds: Int64 { offset.load(ordering: .relaxed) }

    /// Records a measured offset; one under ``minimumMs`` counts as zero.
    public func set(_ ms: Int64) {
        offset.store(abs(ms) < Self.minimumMs ? 0 : ms, ordering: .relaxed)
    }

    /// The device clock shifted to hub time, for `TwinStoreConfiguration.clockMs`.
    public var physicalClock: @Sendable () -> UInt64 {
        { [self] in
            let shifted = Int64(clamping: base()) &+ offset.load(ordering: .relaxed)
            return UInt64(max(0, shifted))
        }
    }

    /// The device's unshifted clock.
    public var deviceMs: UInt64 { base() }
}
