import HiveCore

/// The entries of a snapshot that changed locally after a cursor, ready to send (as the payload
/// of a `snapshot-diff.v1` envelope) to the hub or a peer.
///
/// The cursor is the store's local change sequence, not a clock: an entry merged from a peer
/// keeps its (possibly old) HLC stamp, yet it is new to whoever we sync with next, so a stamp
/// watermark would skip it; a wall-clock watermark would skip writes made while the clock was behind.
public struct SnapshotDiff: Hashable, Sendable, Codable {
    /// Shared (non-`local_only.`) entries, sorted by key.
    public var entries: [SnapshotEntry]
    /// Pass this to the next `diff(since:)` to get only later changes.
    public var cursor: Int64

    public init(entries: [SnapshotEntry], cursor: Int64) {
        self.entries = entries
        self.cursor = cursor
    }

    /// Largest number of entries accepted in one diff.
    public static let maxEntries = 10_000
}
