/// What `GET /api/v1/dashboard/summary` answers: every figure the dashboard draws, in one read.
/// In public mode the identifying fields (twin ids, trace ids, excluded twin ids) are nil and
/// graph nodes carry ordinal labels instead of ids.
struct DashboardSummary: Codable, Sendable {
    struct Band: Codable, Sendable {
        /// Lower bound of the band (inclusive), in [0, 1).
        var from: Double
        var to: Double
        var count: Int64
    }

    struct Twins: Codable, Sendable {
        var registered: Int64
        var active: Int64
        var blocked: Int64
        var reputationBands: [Band]
        /// Cumulative syncs at sample times (this process); the page derives syncs per minute.
        var syncSamples: [DashboardSignals.Sample]
    }

    struct Round: Codable, Sendable {
        var round: Int64
        var startedAt: Int64
        var durationMs: Int64
        var updatesUsed: Int
        /// Updates that counted in the aggregate, and those consumed without counting.
        var updatesAccepted: Int
        var updatesRejected: Int
        var patternsConsidered: Int
        var patternsConsolidated: Int
        var modelVersion: Int64
    }

    struct ModelShape: Codable, Sendable {
        var items: Int
        var rank: Int
    }

    struct ModelVersion: Codable, Sendable {
        var version: Int64
        var publishedAt: Int64
    }

    struct Learning: Codable, Sendable {
        var modelVersion: Int64
        var versions: [ModelVersion]
        /// The robust rule as `--aggregation-rule` takes it (the engine's name for other engines).
        var rule: String?
        /// The global model's shape (nil without HiveLearning's engine).
        var model: ModelShape?
        var rounds: Int64
        var recentRounds: [Round]
        var envelopesAccepted: Int64
        var envelopesRejected: Int64
        var updatesReceived: Int64
        var updatesPending: Int64
        /// Twins below the trust threshold or blocked: their contributions do not count.
        var excludedCount: Int
        /// Their ids (token mode only).
        var excludedTwins: [String]?
        var trustThreshold: Double
    }

    struct HeatCell: Codable, Sendable {
        var taskType: String
        /// Index of the success band (0: [0, 0.2) … 4: [0.8, 1]).
        var band: Int
        var count: Int
        var meanQuality: Double
    }

    struct LatestPattern: Codable, Sendable {
        var id: String?
        /// Provenance: the twins whose votes formed it (token mode only).
        var contributors: [String]?
        var taskType: String
        var approach: String
        var voters: Int
        var agreement: Double
        var quality: Double
        var round: Int64
    }

    struct Patterns: Codable, Sendable {
        var received: Int64
        var pending: Int64
        var consolidated: Int64
        var consensusRate: Double?
        var heatmap: [HeatCell]
        var latest: [LatestPattern]
    }

    struct Trace: Codable, Sendable {
        var traceID: String?
        var twinID: String?
        var intent: String
        var confidence: Double
        var verificationScore: Double
        var createdAt: Int64
    }

    struct Skills: Codable, Sendable {
        var total: Int64
        var latest: [Trace]
        var instanceBands: [Band]
    }

    struct Network: Codable, Sendable {
        var syncs: Int64
        var syncFailures: Int64
        var latencySamples: Int
        var p50Ms: Double?
        var p95Ms: Double?
        var p99Ms: Double?
        var errorsByKind: [String: Int64]
        var bytesIn: Int64
        var bytesOut: Int64
    }

    /// One recent ledger entry as the panel lists it.
    struct LedgerEntry: Codable, Sendable {
        var index: UInt64
        var kind: String
        /// RFC 9162 leaf hash (hex) of the entry bytes.
        var leafHash: String
        /// Hub time of the decision (absent for envelope entries).
        var at: Int64?
        /// What the entry is about: round number, pattern id, … — token mode only, except round numbers.
        var ref: String?
        /// The twin concerned (token mode only).
        var twin: String?
        var modelVersion: Int64?
    }

    /// The latest signed tree head and the newest entries. The page's "verify now" checks them
    /// itself against the public `/api/v1/ledger/*` routes (signature, consistency, inclusion).
    struct Ledger: Codable, Sendable {
        var treeSize: UInt64
        /// Root hash (hex) of the latest signed tree head.
        var rootHash: String
        /// The head's timestamp, ms since the Unix epoch.
        var signedAt: UInt64
        /// The head's Ed25519 signature (hex).
        var signature: String
        /// Newest first, at most ``HubAPI/dashboardLedgerEntries``.
        var recent: [LedgerEntry]
    }

    struct Node: Codable, Sendable {
        enum Kind: String, Codable, Sendable { case twin, pattern }
        /// Twin or pattern id in token mode; an ordinal label ("twin 3") in public mode.
        var id: String
        var kind: Kind
        /// Reputation for twins, quality for patterns.
        var weight: Double
    }

    struct Edge: Codable, Sendable {
        var source: String
        var target: String
    }

    struct Graph: Codable, Sendable {
        var nodes: [Node]
        var edges: [Edge]
        var limit: Int
    }

    var mode: DashboardAccess
    var generatedAt: Int64
    var twins: Twins
    var learning: Learning
    var patterns: Patterns
    var skills: Skills
    var network: Network
    /// Nil only when the ledger could not be read (the page says so).
    var ledger: Ledger?
    var graph: Graph
}
