import HiveCore

/// A value that lost a merge, kept so nothing is silently discarded.
public struct SnapshotConflict: Hashable, Sendable, Codable {
    /// The losing entry (local or remote).
    public var loser: SnapshotEntry
    /// The stamp of the entry that won.
    public var winnerStamp: HLCTimestamp

    public init(loser: SnapshotEntry, winnerStamp: HLCTimestamp) {
        self.loser = loser
        self.winnerStamp = winnerStamp
    }

    enum CodingKeys: String, CodingKey {
        case loser, winnerStamp = "winner_stamp"
    }
}

/// What a merge did.
public struct SnapshotMergeResult: Hashable, Sendable {
    /// Entries the merge took from the remote side (new keys or later values).
    public var changed: [SnapshotEntry] = []
    /// Values that lost, from either side.
    public var lost: [SnapshotConflict] = []
    /// Remote `local_only.*` keys that were ignored.
    public var ignoredLocalOnly: [String] = []

    public init() {}
}
