import HiveCore

/// A registered twin as the hub stores it.
public struct TwinRecord: Sendable, Hashable, Codable {
    public var id: String
    /// Registered Ed25519 public key, lowercase hex. Every envelope from this twin must be signed by it.
    public var publicKey: String
    public var userID: String
    public var metadata: [String: String]
    public var registeredAt: Int64
    /// Exponential moving average of contribution quality, in [0, 1]; starts at ``neutralReputation``.
    public var reputation: Double
    public var blocked: Bool
    public var lastSyncAt: Int64?
    public var acceptedCount: Int64
    public var rejectedCount: Int64

    /// The prior every twin starts from: neither trusted nor distrusted.
    public static let neutralReputation = 0.5

    public init(
        id: String, publicKey: String, userID: String, metadata: [String: String], registeredAt: Int64,
        reputation: Double = TwinRecord.neutralReputation, blocked: Bool = false, lastSyncAt: Int64? = nil,
        acceptedCount: Int64 = 0, rejectedCount: Int64 = 0
    ) {
        self.id = id
        self.publicKey = publicKey
        self.userID = userID
        self.metadata = metadata
        self.registeredAt = registeredAt
        self.reputation = reputation
        self.blocked = blocked
        self.lastSyncAt = lastSyncAt
        self.acceptedCount = acceptedCount
        self.rejectedCount = rejectedCount
    }
}

/// A verified envelope ready to be stored, with what it derives.
public struct IngestItem: Sendable, Hashable {
    public var envelope: SignedEnvelope
    /// The skill trace it carries (kind skill-trace.v1), already validated.
    public var skill: SkillTrace?
    public var receivedBytes: Int

    public init(envelope: SignedEnvelope, skill: SkillTrace? = nil) {
        self.envelope = envelope
        self.skill = skill
        self.receivedBytes = envelope.payload.count
    }
}

/// What storage did with one ingested envelope.
public enum IngestOutcome: Sendable, Hashable {
    case accepted
    /// The envelope id was already stored (a replay or re-delivery).
    case duplicate
    /// A different envelope already published this skill trace id.
    case duplicateTrace(String)
}

/// One entry of the hub's publication feed: what SSE streams and what sync pulls. `seq` is the
/// cursor; it grows in commit order.
public struct FeedEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case patternConsolidated = "pattern.consolidated"
        case modelPublished = "model.published"
        case skillPublished = "skill.published"
        case twinBlocked = "twin.blocked"
        case twinRegistered = "twin.registered"

        /// Kinds that carry consolidated data a sync pull returns.
        public static let pullable: [Kind] = [.patternConsolidated, .modelPublished, .skillPublished]
    }

    public var seq: Int64
    public var kind: Kind
    /// The twin the event concerns, if any (for `GET /events/{twinId}`).
    public var twinID: String?
    /// Id of the thing published (pattern id, model version, trace id, twin id).
    public var ref: String
    /// The event's JSON data.
    public var data: String
    public var createdAt: Int64
}

/// A published skill trace.
public struct SkillRecord: Sendable, Hashable {
    public var traceID: String
    public var twinID: String
    public var intent: String
    public var envelope: SignedEnvelope
    public var trace: SkillTrace
    public var createdAt: Int64
}

/// An instance (twin) in the skill exchange with its standing.
public struct InstanceRecord: Sendable, Hashable, Codable {
    public var instanceID: String
    public var reputation: Double
    public var blocked: Bool
    public var traceCount: Int64
    public var lastSyncAt: Int64?
}

/// A contribution waiting for the next aggregation round.
public struct PendingContribution: Sendable, Hashable {
    public var envelopeID: String
    public var twinID: String
    public var kind: EnvelopeKind
    public var payload: [UInt8]
    public var receivedAt: Int64
}

/// What a round reads, in its transaction.
public struct RoundInput: Sendable {
    public var round: Int64
    public var nowMs: Int64
    public var patterns: [PendingContribution]
    public var modelUpdates: [PendingContribution]
    public var reputations: [String: Double]
    public var modelVersion: Int64
    /// The current global rows of the items the pending updates touch.
    public var currentRows: [String: [Float]]
    public var modelDimension: Int?
}

/// What a round writes, in the same transaction.
public struct RoundOutput: Sendable {
    public var consolidated: [ConsolidatedPattern]
    /// A new model version's changed rows (nil: no new version this round).
    public var modelDelta: ModelRowsDelta?
    public var reputations: [String: Double]
    /// Pending contributions the round consumed (others stay pending for a later round).
    public var consumed: [String]
    public var patternsConsidered: Int
    /// Model updates that counted in the aggregate; the other consumed updates were rejected
    /// (invalid, stale, mis-attributed or superseded). Nil: the engine does not say (all count).
    public var updatesAggregated: Int?

    public init(
        consolidated: [ConsolidatedPattern], modelDelta: ModelRowsDelta?, reputations: [String: Double], consumed: [String],
        patternsConsidered: Int, updatesAggregated: Int? = nil
    ) {
        self.consolidated = consolidated
        self.modelDelta = modelDelta
        self.reputations = reputations
        self.consumed = consumed
        self.patternsConsidered = patternsConsidered
        self.updatesAggregated = updatesAggregated
    }
}

/// The record of one aggregation round.
public struct RoundRecord: Sendable, Hashable, Codable {
    public var round: Int64
    public var startedAt: Int64
    public var durationMs: Int64
    /// Pending model updates the round consumed.
    public var updatesUsed: Int
    /// Of those, how many did not count in the aggregate (invalid, stale, mis-attributed or
    /// superseded by a newer update of the same twin); accepted = used − rejected.
    public var updatesRejected: Int = 0
    public var patternsConsidered: Int
    public var patternsConsolidated: Int
    public var modelVersion: Int64
    /// False when another replica held the round lock and this call did nothing.
    public var ran: Bool
}

/// Counts for `GET /stats`.
public struct StoreCounts: Sendable, Hashable, Codable {
    public var twinsTotal: Int64
    public var twinsActive: Int64
    public var twinsBlocked: Int64
    public var patternsReceived: Int64
    public var patternsPending: Int64
    public var patternsConsolidated: Int64
    public var modelUpdatesReceived: Int64
    public var modelUpdatesPending: Int64
    public var skills: Int64
    public var envelopesAccepted: Int64
    public var envelopesRejected: Int64
    public var modelVersion: Int64
    public var rounds: Int64
    public var roundPatternsConsidered: Int64
    public var roundPatternsConsolidated: Int64
    public var lastRound: RoundRecord?
}
