import Foundation
import HiveCore
import HiveHub
import HiveLedger
import MCP

/// The omega-role tools (design §7.2 plus skill exchange and the ledger), over a ``HubSession``.
public enum HubTools {
    /// Every hub tool, in `tools/list` order.
    public static func all(_ session: HubSession) -> [MCPTool] {
        [
            omegaInit(session), registerViewer(session), aggregate(session), distribute(session), stats(session),
            consensus(session), prune(session), skillPublish(session), skillSearch(session), ledgerVerify(session),
        ]
    }

    /// What the server tells a client about itself at `initialize`.
    public static let instructions = """
        Hive hub (Omega Core): fuses what viewer twins learned with robust aggregation and consensus, and logs every \
        decision in a transparency ledger. Call omega_init first; then omega_stats, omega_aggregate, omega_distribute, \
        omega_consensus, omega_prune, omega_register_viewer, skill_publish, skill_search and ledger_verify.
        """

    // MARK: omega_init

    struct InitResult: Codable, Sendable {
        var hubPublicKey: String
        var nodeId: String
        var storage: String
        var engine: String?
        /// "running" (this hub's /mcp) or "data-directory" (opened by this process).
        var attachment: String
        var opened: Bool
        var aggregationIntervalMs: Int64
        var trustThreshold: Double
        var skillMatchThreshold: Double
        var maxClockDriftMs: Int64
        var rateLimitPerMinute: Int
    }

    static let settingFields: [ToolSchema.Field] = [
        .init(
            "aggregationIntervalMs",
            .integer("Round period, ms (0: rounds only on omega_aggregate).", range: 0...86_400_000)),
        .init("trustThreshold", .number("Reputation below which a twin may not publish skills.", range: 0...1)),
        .init("skillMatchThreshold", .number("Least score a skill needs to be returned by search.", range: 0...1)),
        .init("maxClockDriftMs", .integer("Largest lead of a twin's clock over the hub's, ms.", range: 0...86_400_000)),
        .init("rateLimitPerMinute", .integer("Requests per minute per twin.", range: 1...1_000_000)),
        .init("tokenTTLSeconds", .integer("Access-token lifetime, s.", range: 1...900)),
        .init("challengeTTLSeconds", .integer("Registration challenge lifetime, s.", range: 1...3_600)),
        .init("maxBodyBytes", .integer("Largest request body, bytes.", range: 1_024...(1 << 30))),
    ]

    static func omegaInit(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "omega_init",
            description:
                "Attach this session to the hub and report its identity and settings. With hive mcp hub --data DIR it opens (creating and migrating) the hub under DIR with the given settings; on a running hub the settings must match the running ones.",
            input: .arguments([.init("config", .object("Hub settings (HubConfiguration keys).", fields: settingFields))]
            ),
            annotations: .init(
                title: "Attach to the hub", readOnlyHint: false, destructiveHint: false, idempotentHint: true,
                openWorldHint: false)
        ) { arguments, _ in
            var settings: [String: Value] = [:]
            if case .object(let members)? = arguments.raw("config") { settings = members }
            let (core, opened) = try await session.attach(settings: settings)
            let configuration = core.configuration
            let attachment: String =
                switch session.attachment {
                case .running: "running"
                case .dataDirectory: "data-directory"
                }
            return InitResult(
                hubPublicKey: core.identity.identity.publicKeyHex, nodeId: core.identity.identity.nodeID,
                storage: core.store.backend,
                engine: core.engine?.name, attachment: attachment, opened: opened,
                aggregationIntervalMs: configuration.aggregationIntervalMs,
                trustThreshold: configuration.trustThreshold,
                skillMatchThreshold: configuration.skillMatchThreshold, maxClockDriftMs: configuration.maxClockDriftMs,
                rateLimitPerMinute: configuration.rateLimitPerMinute)
        }
    }

    // MARK: omega_register_viewer

    static func registerViewer(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "omega_register_viewer",
            description:
                "Enrol a viewer twin on the operator's authority, by its public key: viewerId must be the twin id derived from userId and publicKey. Issues no token (the twin gets one by signing a challenge at its first sync). An existing twin is returned unchanged; a blocked one is refused.",
            input: .arguments([
                .init("viewerId", .string("The twin id (tw_…).", maxBytes: Validation.Limit.id), required: true),
                .init(
                    "userId", .string("The user the twin serves.", maxBytes: TwinIdentity.maxUserIDBytes),
                    required: true),
                .init(
                    "publicKey", .string("The twin's Ed25519 public key, 64 hex digits.", maxBytes: 64), required: true),
                .init("metadata", .stringMap("Labels (≤ 32 entries, keys ≤ 64 bytes, values ≤ 256).", maxEntries: 32)),
            ]),
            annotations: .init(
                title: "Register a viewer", readOnlyHint: false, destructiveHint: false, idempotentHint: true,
                openWorldHint: false)
        ) { arguments, _ in
            let core = try await session.requireCore(for: "omega_register_viewer")
            return try await core.enrol(
                twinID: try arguments.require("viewerId"), userID: try arguments.require("userId"),
                publicKeyHex: try arguments.require("publicKey"), metadata: arguments.stringMap("metadata") ?? [:])
        }
    }

    // MARK: omega_aggregate

    struct AggregateResult: Codable, Sendable {
        /// True when a round ran now.
        var ran: Bool
        var round: RoundRecord?
        /// When not immediate: when the scheduler runs the next round (nil when scheduled rounds are off).
        var nextRoundAt: Int64?
        var pendingPatterns: Int64
        var pendingModelUpdates: Int64
        var note: String
    }

    static func aggregate(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "omega_aggregate",
            description:
                "Run an aggregation round now (immediate, default): robust model aggregation with reputation weights and pattern consensus, in one transaction, logged to the ledger. With immediate false, report when the scheduler runs the next one and what is pending. Sends progress notifications.",
            input: .arguments([.init("immediate", .boolean("Run now (default true) or only report the schedule."))]),
            annotations: .init(
                title: "Aggregate", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
                openWorldHint: false)
        ) { arguments, context in
            let core = try await session.requireCore(for: "omega_aggregate")
            let before = try await core.store.counts(nowMs: core.nowMs, activeWindowMs: 86_400_000)
            guard arguments.bool("immediate") ?? true else {
                let interval = core.configuration.aggregationIntervalMs
                let next = interval > 0 ? (before.lastRound.map { $0.startedAt + interval } ?? core.nowMs) : nil
                return AggregateResult(
                    ran: false, round: nil, nextRoundAt: next, pendingPatterns: before.patternsPending,
                    pendingModelUpdates: before.modelUpdatesPending,
                    note: interval > 0
                        ? "the scheduler runs a round every \(interval) ms"
                        : "scheduled rounds are off; call with immediate: true")
            }
            await context.progress(
                0, total: 2,
                "round starting: \(before.patternsPending) patterns and \(before.modelUpdatesPending) model updates pending"
            )
            let record = try await core.aggregate()
            await context.progress(
                2, total: 2,
                record.ran
                    ? "round \(record.round) done in \(record.durationMs) ms" : "another replica holds the round lock")
            let after = try await core.store.counts(nowMs: core.nowMs, activeWindowMs: 86_400_000)
            return AggregateResult(
                ran: record.ran, round: record, nextRoundAt: nil, pendingPatterns: after.patternsPending,
                pendingModelUpdates: after.modelUpdatesPending,
                note: record.ran
                    ? "consolidated \(record.patternsConsolidated) of \(record.patternsConsidered) patterns; \(record.updatesUsed) model updates → version \(record.modelVersion)"
                    : "another replica is running a round; nothing was done here")
        }
    }

    // MARK: omega_distribute

    static func distribute(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "omega_distribute",
            description:
                "Prepare distribution of consolidated patterns: the hub-signed package (priority or higher, best first) and, per viewer (all, or viewerIds), which of its patterns the viewer has not received yet. Twins receive it at their next sync (distribution is pull-based).",
            input: .arguments([
                .init(
                    "viewerIds",
                    .array(
                        "Only these viewers (default: all).",
                        items: .string("A twin id.", maxBytes: Validation.Limit.id), maxItems: 1_000)),
                .init(
                    "priority",
                    .string(
                        "Lowest priority included: high, medium or low (default low = all).",
                        oneOf: ["high", "medium", "low"])),
                .init(
                    "limit",
                    .integer(
                        "Most patterns in the package (default 100).", range: 1...OmegaCore.maxDistributionPatterns)),
            ]),
            annotations: .init(title: "Distribute patterns", readOnlyHint: true, openWorldHint: false)
        ) { arguments, _ in
            let core = try await session.requireCore(for: "omega_distribute")
            return try await core.distribution(
                viewerIDs: arguments.strings("viewerIds"),
                priority: arguments.string("priority").flatMap(ConsolidatedPattern.Priority.init) ?? .low,
                limit: arguments.int("limit") ?? 100)
        }
    }

    // MARK: omega_stats

    struct StatsResult: Codable, Sendable {
        var storage: String
        var engine: String?
        var counts: StoreCounts
        /// Consolidated ÷ considered over all rounds (nil before the first round).
        var consensusRate: Double?
        /// Accepted ÷ pushed envelopes, all time.
        var syncSuccessRate: Double?
        var aggregationIntervalMs: Int64
    }

    static func stats(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "omega_stats",
            description:
                "Network statistics: twins (total, active in 24 h, blocked), patterns, model updates and version, skills, envelopes, rounds, consensus and sync success rates.",
            input: .arguments([]),
            annotations: .init(title: "Hub statistics", readOnlyHint: true, openWorldHint: false)
        ) { _, _ in
            let core = try await session.requireCore(for: "omega_stats")
            let counts = try await core.store.counts(nowMs: core.nowMs, activeWindowMs: 86_400_000)
            let pushed = counts.envelopesAccepted + counts.envelopesRejected
            return StatsResult(
                storage: core.store.backend, engine: core.engine?.name, counts: counts,
                consensusRate: counts.roundPatternsConsidered > 0
                    ? Double(counts.roundPatternsConsolidated) / Double(counts.roundPatternsConsidered) : nil,
                syncSuccessRate: pushed > 0 ? Double(counts.envelopesAccepted) / Double(pushed) : nil,
                aggregationIntervalMs: core.configuration.aggregationIntervalMs)
        }
    }

    // MARK: omega_consensus

    static func consensus(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "omega_consensus",
            description:
                "Consensus status of a pattern id: consolidated (with voters, agreement, quality, priority, round), consolidated and since pruned, or not consolidated (with how many contributions wait for the next round).",
            input: .arguments([
                .init("patternId", .string("A consolidated pattern id.", maxBytes: Validation.Limit.id), required: true)
            ]),
            annotations: .init(title: "Consensus status", readOnlyHint: true, openWorldHint: false)
        ) { arguments, _ in
            let core = try await session.requireCore(for: "omega_consensus")
            return try await core.consensusStatus(patternID: try arguments.require("patternId"))
        }
    }

    // MARK: omega_prune

    static func prune(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "omega_prune",
            description:
                "Delete consolidated patterns with quality below minQuality or older than maxAge, pending contributions older than maxAge, and expired challenges. Returns what was removed.",
            input: .arguments([
                .init(
                    "minQuality", .number("Least quality a consolidated pattern keeps.", range: 0...1), required: true),
                .init("maxAge", .integer("Oldest age kept, ms (default: no age limit).", range: 0...(Int.max / 2))),
            ]),
            annotations: .init(
                title: "Prune", readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)
        ) { arguments, _ in
            let core = try await session.requireCore(for: "omega_prune")
            return try await core.store.prune(
                minQuality: arguments.double("minQuality") ?? 0, maxAgeMs: arguments.int("maxAge").map(Int64.init),
                nowMs: core.nowMs)
        }
    }

    // MARK: Skills

    struct PublishResult: Codable, Sendable {
        var id: String
        var traceId: String
        var instanceId: String
        var status: String
    }

    static func skillPublish(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "skill_publish",
            description:
                "Publish a skill trace to the exchange: a skill-trace envelope signed by a registered twin (as POST /api/v1/skills takes it). The signer must be the trace's instance, trusted above the hub's threshold; a trace id is published once.",
            input: .arguments([
                .init(
                    "envelope",
                    .object(
                        "The signed envelope (SignedEnvelope JSON).",
                        fields: [
                            .init("kind", .string("Must be the skill-trace kind.", maxBytes: 64), required: true),
                            .init(
                                "payload", .string("Canonical JSON payload, base64.", maxBytes: 1 << 20), required: true
                            ),
                            .init(
                                "signer", .string("Signer's Ed25519 public key, hex.", maxBytes: 128), required: true),
                            .init("signature", .string("Ed25519 signature, base64.", maxBytes: 256), required: true),
                            .init("stamp", .string("HLC stamp.", maxBytes: 256), required: true),
                        ]),
                    required: true)
            ]),
            annotations: .init(
                title: "Publish a skill", readOnlyHint: false, destructiveHint: false, idempotentHint: false,
                openWorldHint: false)
        ) { arguments, _ in
            let core = try await session.requireCore(for: "skill_publish")
            guard let raw = arguments.raw("envelope") else {
                throw ToolInputError("missing required argument envelope")
            }
            let envelope: SignedEnvelope
            do {
                envelope = try HiveJSON.decode(SignedEnvelope.self, from: try JSONEncoder().encode(raw))
            } catch let error as HiveError {
                throw ToolInputError("envelope: \(error.message)")
            }
            let trace = try envelope.decodePayload(as: SkillTrace.self)
            guard let twin = try await core.store.twin(id: trace.instanceID) else {
                throw HiveError(.notFound, "instance \(trace.instanceID.prefix(64)) is not a registered twin")
            }
            let result = try await core.publishSkill(envelope, twin: twin)
            return PublishResult(id: result.id, traceId: trace.traceID, instanceId: twin.id, status: "accepted")
        }
    }

    struct SkillSearchResult: Codable, Sendable {
        struct Hit: Codable, Sendable {
            var score: Double
            var instanceId: String
            var trace: SkillTrace
        }
        /// "lexical" or "semantic".
        var method: String
        var threshold: Double
        var skills: [Hit]
    }

    static func skillSearch(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "skill_search",
            description:
                "Published skill traces ranked against an intent (semantic with MiniLM when installed, otherwise lexical; the answer says which).",
            input: .arguments([
                .init(
                    "query", .string("The intent to match.", maxBytes: SkillTrace.Limits.intentBytes), required: true),
                .init("k", .integer("How many (default 10).", range: 1...100)),
            ]),
            annotations: .init(title: "Search skills", readOnlyHint: true, openWorldHint: false)
        ) { arguments, _ in
            let core = try await session.requireCore(for: "skill_search")
            let ranked = try await core.searchSkills(
                intent: try arguments.require("query"), limit: arguments.int("k") ?? 10)
            return SkillSearchResult(
                method: core.ranker.method, threshold: core.configuration.skillMatchThreshold,
                skills: ranked.map { .init(score: $0.score, instanceId: $0.record.twinID, trace: $0.record.trace) })
        }
    }

    // MARK: ledger_verify

    struct LedgerResult: Codable, Sendable {
        var ok: Bool
        var entries: UInt64
        var interiorNodes: UInt64
        var treeHeads: Int
        var rootHash: String
        var signer: String
    }

    static func ledgerVerify(_ session: HubSession) -> MCPTool {
        MCPTool(
            name: "ledger_verify",
            description:
                "Recompute the transparency ledger from its entries and check every stored subtree hash and signed tree head against the hub's key. Fails naming the first bad entry. Sends progress notifications per chunk.",
            input: .arguments([]),
            annotations: .init(title: "Verify the ledger", readOnlyHint: true, openWorldHint: false)
        ) { _, context in
            let core = try await session.requireCore(for: "ledger_verify")
            let ledger = core.store.ledger
            let size = Double(try await ledger.size())
            await context.progress(0, total: size, "verifying \(Int(size)) entries")
            let key = core.identity.identity.publicKey
            let report = try await context.forwardingProgress(
                total: size, describe: { "\(Int($0)) of \(Int(size)) entries verified" }
            ) {
                report in
                try await LedgerAuditor(publicKey: key, chunkSize: 1_024).audit(ledger) { done, _ in
                    report(Double(done))
                }
            }
            await context.progress(size, total: size, "ledger verified")
            return LedgerResult(
                ok: true, entries: report.entries, interiorNodes: report.interiorNodes, treeHeads: report.treeHeads,
                rootHash: report.rootHash.hex, signer: core.identity.identity.publicKeyHex)
        }
    }
}
