import HiveCore

/// What `omega_distribute` answers: the consolidated patterns at or above a priority, signed by
/// the hub exactly as a sync pull is (so a twin, or a mesh peer relaying for it, verifies them
/// against the pinned hub key), and for each viewer what its next sync will deliver.
///
/// Distribution in Hive is pull-based: twins fetch consolidated knowledge when they sync (the
/// hub never holds a connection open to each device). This plan is what the seed's "distribute"
/// amounts to here — the signed package plus who is still missing which part of it.
public struct Distribution: Sendable, Hashable, Codable {
    /// One viewer's standing with respect to the package.
    public struct Viewer: Sendable, Hashable, Codable {
        public var viewerID: String
        /// Patterns in the package consolidated after the viewer's last sync.
        public var pendingPatterns: Int
        /// Ids of those patterns (at most 100).
        public var pendingPatternIDs: [String]
        public var lastSyncAt: Int64?
        public var blocked: Bool
    }

    /// The lowest priority included (high ⊂ medium ⊂ low).
    public var priority: ConsolidatedPattern.Priority
    /// The signed package: patterns only (model rows and skills travel with regular syncs).
    public var package: SyncPull
    /// The hub's signature over `package` (domain ``SyncPull/signatureDomain``).
    public var signature: HubSignature
    public var viewers: [Viewer]
}

/// What `omega_consensus` answers for one pattern id.
public struct ConsensusStatus: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Reached consensus and is being distributed.
        case consolidated
        /// Reached consensus once, then was pruned.
        case pruned
        /// No round consolidated a pattern with this id.
        case notConsolidated = "not_consolidated"
    }

    public var patternID: String
    public var state: State
    /// The consolidated pattern (state `consolidated`).
    public var pattern: ConsolidatedPattern?
    /// When the round published it, ms since the epoch (states `consolidated`, `pruned`).
    public var consolidatedAt: Int64?
    /// Contributions waiting for the next round (any state).
    public var pendingPatterns: Int64
    public var explanation: String
}

extension ConsolidatedPattern.Priority {
    /// high 0, medium 1, low 2.
    var rank: Int {
        switch self {
        case .high: 0
        case .medium: 1
        case .low: 2
        }
    }
}
