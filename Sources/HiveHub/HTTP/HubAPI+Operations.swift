import HiveCore
import Hummingbird

extension HubAPI {
    struct PruneRequest: Codable {
        var minQuality: Double
        var maxAgeMs: Int64?
    }

    struct Stats: Codable {
        struct Twins: Codable { var total, active, blocked: Int64 }
        struct Patterns: Codable { var received, pending, consolidated: Int64 }
        struct Updates: Codable { var received, pending: Int64 }
        struct Envelopes: Codable { var accepted, rejected: Int64 }
        /// The global model's shape.
        struct ModelShape: Codable { var items, rank: Int }
        struct Aggregation: Codable {
            var engine: String?
            /// The robust rule in the form `--aggregation-rule` takes (nil: no learning engine).
            var rule: String?
            /// How a row's senders combine: `sum` or `mean` (`--row-combination`).
            var combination: String?
            /// Whether reputation also scores agreement with the fused update (`agreementReputation`).
            var agreementReputation: Bool?
            /// Reputation EMA retention (`reputationRetention`).
            var reputationRetention: Double?
            var model: ModelShape?
            var intervalMs: Int64
            var rounds: Int64
            var lastRound: RoundRecord?
            /// Duration of the last round, ms.
            var latencyMs: Int64?
        }
        /// Counters of this process since it started (not shared between replicas).
        struct Process: Codable {
            var syncs: Int64
            var syncFailures: Int64
            var meanSyncLatencyMs: Double?
            /// Mean delay from a consolidated item's publication (or the twin's registration, if
            /// later) to its delivery by a sync pull, over the items this process delivered.
            var meanDistributionLatencyMs: Double? = nil
            var bytesIn: Int64
            var bytesOut: Int64
        }
        var twins: Twins
        var patterns: Patterns
        /// Consolidated ÷ considered over all rounds (nil before the first round).
        var consensusRate: Double?
        var modelUpdates: Updates
        var modelVersion: Int64
        var skills: Int64
        var envelopes: Envelopes
        /// Accepted ÷ (accepted + rejected) pushed envelopes, all time.
        var syncSuccessRate: Double?
        var aggregation: Aggregation
        var process: Process
    }

    /// Twins that synced within this window count as active.
    static let activeWindowMs: Int64 = 24 * 3600 * 1000

    func addOperationRoutes(to api: RouterGroup<HubRequestContext>) {
        api.post("aggregate") { request, context in
            try requireAdmin(request, context)
            return try json(try await core.aggregate())
        }
        api.post("prune") { request, context in
            try requireAdmin(request, context)
            let prune = try decode(PruneRequest.self, from: try await body(request))
            guard prune.minQuality.isFinite, (0...1).contains(prune.minQuality) else {
                throw Problem(.invalidInput, "minQuality must be in [0, 1]")
            }
            if let age = prune.maxAgeMs, age < 0 { throw Problem(.invalidInput, "maxAgeMs must be ≥ 0") }
            return try json(try await core.store.prune(minQuality: prune.minQuality, maxAgeMs: prune.maxAgeMs, nowMs: core.nowMs))
        }
        api.get("stats") { request, context in
            try requireAdmin(request, context)
            let counts = try await core.store.counts(nowMs: core.nowMs, activeWindowMs: Self.activeWindowMs)
            let process = core.metrics.snapshot
            let considered = counts.roundPatternsConsidered
            let pushed = counts.envelopesAccepted + counts.envelopesRejected
            return try json(
                Stats(
                    twins: .init(total: counts.twinsTotal, active: counts.twinsActive, blocked: counts.twinsBlocked),
                    patterns: .init(
                        received: counts.patternsReceived, pending: counts.patternsPending,
                        consolidated: counts.patternsConsolidated),
                    consensusRate: considered > 0 ? Double(counts.roundPatternsConsolidated) / Double(considered) : nil,
                    modelUpdates: .init(received: counts.modelUpdatesReceived, pending: counts.modelUpdatesPending),
                    modelVersion: counts.modelVersion, skills: counts.skills,
                    envelopes: .init(accepted: counts.envelopesAccepted, rejected: counts.envelopesRejected),
                    syncSuccessRate: pushed > 0 ? Double(counts.envelopesAccepted) / Double(pushed) : nil,
                    aggregation: .init(
                        engine: core.engine?.name,
                        rule: (core.engine as? LearningAggregationEngine)?.configuration.rule.text,
                        combination: (core.engine as? LearningAggregationEngine)?.configuration.combination.rawValue,
                        agreementReputation: (core.engine as? LearningAggregationEngine)?.configuration.scoresAgreement,
                        reputationRetention: (core.engine as? LearningAggregationEngine)?.configuration.reputation.retention,
                        model: (core.engine as? LearningAggregationEngine).map {
                            .init(items: $0.configuration.itemCount, rank: $0.configuration.rank)
                        },
                        intervalMs: core.configuration.aggregationIntervalMs, rounds: counts.rounds,
                        lastRound: counts.lastRound, latencyMs: counts.lastRound?.durationMs),
                    process: .init(
                        syncs: process.syncs, syncFailures: process.syncFailures,
                        meanSyncLatencyMs: process.syncs > 0 ? process.syncLatencyMsTotal / Double(process.syncs) : nil,
                        meanDistributionLatencyMs: process.distributed > 0
                            ? process.distributionLatencyMsTotal / Double(process.distributed) : nil,
                        bytesIn: process.bytesIn, bytesOut: process.bytesOut)))
        }
    }
}
