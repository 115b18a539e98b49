import HiveCore
import Synchronization

/// Mutable per-twin state during a run: access token (refreshed by every sync answer), its
/// expiry, the pull cursor and a per-twin sequence number for unique payloads.
public final class LoadSessions: Sendable {
    public let twins: [LoadTwin]
    private let state: Mutex<[Slot]>

    struct Slot {
        var token: String?
        var expiresAt: Int64 = 0
        var cursor: Int64 = 0
        var sequence: UInt64 = 0
    }

    public init(twins: [LoadTwin]) {
        self.twins = twins
        state = Mutex(Array(repeating: Slot(), count: twins.count))
    }

    public var count: Int { twins.count }

    public func token(_ index: Int) -> String? { state.withLock { $0[index].token } }

    public func expiry(_ index: Int) -> Int64 { state.withLock { $0[index].expiresAt } }

    public func setToken(_ index: Int, _ token: String, expiresAt: Int64) {
        state.withLock {
            $0[index].token = token
            $0[index].expiresAt = expiresAt
        }
    }

    public func cursor(_ index: Int) -> Int64 { state.withLock { $0[index].cursor } }

    public func setCursor(_ index: Int, _ cursor: Int64) { state.withLock { $0[index].cursor = max($0[index].cursor, cursor) } }

    /// The next sequence number of twin `index` (unique within a run).
    public func nextSequence(_ index: Int) -> UInt64 {
        state.withLock { slots in
            slots[index].sequence += 1
            return slots[index].sequence
        }
    }

    /// Indexes whose token is missing or expires before `deadlineMs`.
    public func needingRegistration(before deadlineMs: Int64) -> [Int] {
        state.withLock { slots in slots.indices.filter { slots[$0].token == nil || slots[$0].expiresAt < deadlineMs } }
    }
}
