import Foundation
import GRDB
import HiveCore
import HiveHub
import Logging
import MCP
import Testing

@testable import HiveMCP

@Suite("Hub MCP tools (in-memory transport, hub opened from a data directory)")
struct HubToolsTests {
    static let names = [
        "omega_init", "omega_register_viewer", "omega_aggregate", "omega_distribute", "omega_stats", "omega_consensus",
        "omega_prune", "skill_publish", "skill_search", "ledger_verify",
    ]

    func withHub(_ body: (MCPHarness, HubSession, String) async throws -> Void) async throws {
        var logger = Logger(label: "hub")
        logger.logLevel = .warning
        let directory = try TestFiles.temporaryDirectory("hubdata")
        let engine = try LearningAggregationEngine(configuration: LearningEngineConfiguration(itemCount: 20, rank: 4))
        let session = HubSession(
            .dataDirectory(directory, engine: engine, ranker: LexicalSkillRanker(), logger: logger))
        let harness = try await MCPHarness.connect(name: "hive-hub", tools: HubTools.all(session))
        try await body(harness, session, directory)
        await harness.close()
    }

    /// Three viewers enrolled through the tool; returns their keys and ids.
    static func enrolViewers(_ harness: MCPHarness) async throws -> [(key: NodeIdentity, id: String)] {
        var viewers: [(NodeIdentity, String)] = []
        for user in ["alice", "bob", "carol"] {
            let key = NodeIdentity.generate()
            let id = try key.twin(forUser: user).twinID
            let record = try await harness.ok(
                "omega_register_viewer",
                [
                    "viewerId": .string(id), "userId": .string(user), "publicKey": .string(key.publicKeyHex),
                    "metadata": ["device": "tv"],
                ])
            #expect(record["id"] == .string(id) && record["blocked"] == false)
            viewers.append((key, id))
        }
        return viewers
    }

    @Test("tools/list: the 10 hub tools; before omega_init every other tool names omega_init")
    func listingAndOrder() async throws {
        try await withHub { harness, _, _ in
            let (tools, _) = try await harness.client.listTools()
            #expect(tools.map(\.name) == Self.names)
            #expect(tools.first { $0.name == "omega_prune" }?.annotations.destructiveHint == true)
            for name in Self.names where name != "omega_init" {
                var arguments: [String: Value] = [:]
                switch name {
                case "omega_register_viewer": arguments = ["viewerId": "tw", "userId": "u", "publicKey": "00"]
                case "omega_consensus": arguments = ["patternId": "p"]
                case "omega_prune": arguments = ["minQuality": 0.5]
                case "skill_publish":
                    arguments = ["envelope": ["kind": "k", "payload": "", "signer": "", "signature": "", "stamp": ""]]
                case "skill_search": arguments = ["query": "q"]
                default: break
                }
                // skill_publish's empty strings fail validation first; the others reach the session check.
                let text = try await harness.fails(name, arguments)
                #expect(text.contains("call omega_init first") || name == "skill_publish", "\(text)")
            }
        }
    }

    @Test("omega_init opens the data directory with its settings; later settings must match; unknown settings named")
    func initialization() async throws {
        try await withHub { harness, session, directory in
            #expect(
                try await harness.fails("omega_init", ["config": ["adminToken": "x"]]).contains(
                    "unexpected argument config.adminToken"))
            let first = try await harness.ok(
                "omega_init", ["config": ["trustThreshold": 0.3, "aggregationIntervalMs": 0]])
            #expect(first["opened"] == true && first["attachment"] == "data-directory" && first["storage"] == "sqlite")
            #expect(first["trustThreshold"] == 0.3 && first["hubPublicKey"]?.stringValue?.count == 64)
            #expect(FileManager.default.fileExists(atPath: directory + "/hub.sqlite"))
            let again = try await harness.ok("omega_init", ["config": ["trustThreshold": 0.3]])
            #expect(again["opened"] == false && again["hubPublicKey"] == first["hubPublicKey"])
            #expect(
                try await harness.fails("omega_init", ["config": ["trustThreshold": 0.5]]).contains("trustThreshold"))
            _ = session
        }
    }

    @Test("the omega workflow: enrol, aggregate with progress, consensus, distribute, stats, skills, ledger, prune")
    func workflow() async throws {
        try await withHub { harness, session, directory in
            try await harness.ok("omega_init", ["config": ["aggregationIntervalMs": 0]])
            let viewers = try await Self.enrolViewers(harness)
            #expect(
                try await harness.fails(
                    "omega_register_viewer",
                    [
                        "viewerId": .string(viewers[0].id), "userId": "mallory",
                        "publicKey": .string(viewers[0].key.publicKeyHex),
                    ]
                ).contains("is not the twin of user mallory"))
            #expect(
                try await harness.fails(
                    "omega_register_viewer", ["viewerId": "tw_x", "userId": "u", "publicKey": "abc"]
                ).contains("64 hex digits"))

            // Each viewer contributes the same pattern (as a sync push would).
            let core = try #require(await session.core)
            for (index, viewer) in viewers.enumerated() {
                let twin = try #require(try await core.store.twin(id: viewer.id))
                let stamp = HLCTimestamp(physicalMs: UInt64(core.nowMs), logical: 0, nodeID: viewer.key.nodeID)
                let pattern = try Pattern(
                    id: "p-\(index)", taskType: .preference, approach: "Similar to recent 5-star rated content",
                    tags: ["drama"],
                    alpha: 4, beta: 1, stamp: stamp)
                let envelope = try SignedEnvelope.sign(pattern, kind: .pattern, stamp: stamp, identity: viewer.key)
                #expect(
                    try await core.push([envelope], twin: twin, kinds: OmegaCore.acceptedKinds).map(\.status) == [
                        .accepted
                    ])
            }

            let schedule = try await harness.ok("omega_aggregate", ["immediate": false])
            #expect(schedule["ran"] == false && schedule["pendingPatterns"] == 3)
            let token = ProgressToken.unique()
            let round = try await harness.ok("omega_aggregate", progress: token)
            #expect(
                round["ran"] == true && round["round"]?["patternsConsolidated"] == 1 && round["pendingPatterns"] == 0)
            #expect(try await harness.progress.wait(for: token, count: 2) == [0, 2])

            let distribution = try await harness.ok("omega_distribute", ["priority": "low"])
            let patternID = try #require(distribution["package"]?["patterns"]?[0]?["id"])
            #expect(distribution["viewers"]?.arrayValue?.count == 3)
            #expect(distribution["viewers"]?.arrayValue?.allSatisfy { $0["pendingPatterns"] == 1 } == true)
            #expect(distribution["signature"]?["algorithm"] == "Ed25519")
            #expect(
                try await harness.fails("omega_distribute", ["viewerIds": ["tw_nobody"]]).contains(
                    "unknown viewer ids: tw_nobody"))

            let consensus = try await harness.ok("omega_consensus", ["patternId": patternID])
            #expect(consensus["state"] == "consolidated" && consensus["pattern"]?["voters"] == 3)
            #expect(try await harness.ok("omega_consensus", ["patternId": "cp-none"])["state"] == "not_consolidated")

            let stats = try await harness.ok("omega_stats")
            #expect(stats["counts"]?["twinsTotal"] == 3 && stats["counts"]?["patternsConsolidated"] == 1)
            let considered = try #require(stats["counts"]?["roundPatternsConsidered"]?.number)
            #expect(considered >= 1 && stats["consensusRate"]?.number == 1 / considered)

            // A skill trace signed by an enrolled viewer.
            let trace = try SkillTrace(
                traceID: "trace-1", intent: "find tonight's football schedule",
                reasoningPath: [.init(step: 1, action: "look up the schedule")],
                result: "done", confidence: 0.9, verificationScore: 0.8, createdAt: "2026-11-21T12:00:00Z",
                instanceID: viewers[0].id)
            let stamp = HLCTimestamp(physicalMs: UInt64(core.nowMs), logical: 1, nodeID: viewers[0].key.nodeID)
            let signed = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: stamp, identity: viewers[0].key)
            let envelope = try JSONDecoder().decode(Value.self, from: try HiveJSON.encode(signed))
            let published = try await harness.ok("skill_publish", ["envelope": envelope])
            #expect(published["traceId"] == "trace-1" && published["status"] == "accepted")
            #expect(try await harness.fails("skill_publish", ["envelope": envelope]).contains("already published"))
            var forged = try #require(envelope.objectValue)
            forged["signer"] = .string(viewers[1].key.publicKeyHex)
            #expect(try await harness.fails("skill_publish", ["envelope": .object(forged)]).contains("skill_publish:"))
            let search = try await harness.ok("skill_search", ["query": "football schedule tonight"])
            #expect(search["skills"]?[0]?["trace"]?["trace_id"] == "trace-1" && search["method"] == "lexical")

            let ledgerToken = ProgressToken.unique()
            let ledger = try await harness.ok("ledger_verify", progress: ledgerToken)
            #expect(ledger["ok"] == true && (ledger["entries"]?.number ?? 0) >= 5)
            let progress = try await harness.progress.wait(for: ledgerToken, count: 2)
            #expect(progress.first == 0 && progress.last == ledger["entries"]?.number)

            #expect(
                try await harness.fails("omega_prune", ["minQuality": 2]).contains(
                    "minQuality must be a number in 0.0…1.0"))
            let pruned = try await harness.ok("omega_prune", ["minQuality": 1])
            #expect(pruned["patternsRemoved"] == 1)
            #expect(try await harness.ok("omega_consensus", ["patternId": patternID])["state"] == "pruned")

            // Someone with write access to the database rewrites ledger entry 2: verification names it.
            let database = try DatabaseQueue(path: directory + "/hub.sqlite")
            try await database.write { db in
                try db.execute(sql: "DROP TRIGGER ledger_entries_no_update")
                try db.execute(sql: "UPDATE ledger_entries SET data = X'666f72676564' WHERE idx = 2")
            }
            let failure = try await harness.fails("ledger_verify")
            #expect(failure.contains("inconsistent") && failure.contains("entry 2"), "\(failure)")
        }
    }
}
