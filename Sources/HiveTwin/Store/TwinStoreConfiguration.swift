import HiveCore

/// How a ``TwinStore`` opens its database.
public struct TwinStoreConfiguration: Sendable {
    /// How hard a commit tries to survive power loss.
    public enum Durability: String, Sendable {
        /// `synchronous = FULL`: every commit syncs the WAL; a committed transaction survives power loss.
        case full
        /// `synchronous = NORMAL`: commits survive a process crash; the last ones may be lost on power loss.
        case normal
    }

    /// Path of the AES key file for private fields; `nil` means `<database path>.key`.
    public var keyPath: String?
    /// Commit durability (default ``Durability/full``).
    public var durability: Durability = .full
    /// Time to live given to new episodes, patterns and skills, in ms; `nil` keeps them until pruned.
    public var defaultTTLMs: UInt64?
    /// Largest accepted lead of a remote HLC stamp over local time, in ms.
    public var maxDriftMs: UInt64 = 5 * 60 * 1000
    /// Wall-clock milliseconds (injectable so tests can run a clock an hour behind or jump past a TTL).
    public var clockMs: @Sendable () -> UInt64 = HybridLogicalClock.systemMilliseconds
    /// Concurrent reader connections.
    public var maxReaders: Int = 4

    public init() {}
}
