import Foundation
import HiveCore
import HiveTestSupport
import MCP
import Testing

@testable import HiveMCP

@Suite("Twin MCP tools (in-memory transport)")
struct TwinToolsTests {
    static let names = [
        "viewer_init", "viewer_track_behavior", "viewer_get_recommendations", "viewer_sync", "viewer_stats",
        "viewer_export_patterns", "reflexion_store", "reflexion_retrieve", "skill_create", "skill_search",
        "pattern_store",
        "pattern_search",
    ]

    static let catalog: Value = [
        ["id": "m1", "title": "Alien", "genres": ["Sci-Fi", "Horror"], "popularity": 50],
        ["id": "m2", "title": "Blade Runner", "genres": ["Sci-Fi"], "popularity": 40],
        ["id": "m3", "title": "Solaris", "genres": ["Sci-Fi", "Drama"], "popularity": 10],
        ["id": "m4", "title": "Heat", "genres": ["Crime"], "popularity": 30],
        ["id": "m5", "title": "Arrival", "genres": ["Sci-Fi", "Drama"], "popularity": 35],
        ["id": "m6", "title": "Amelie", "genres": ["Comedy", "Romance"], "popularity": 25],
    ]

    func withTwin(_ body: (MCPHarness, TwinSession) async throws -> Void) async throws {
        let session = TwinSession(directory: try TestFiles.temporaryDirectory("twin"))
        let harness = try await MCPHarness.connect(name: "hive-twin", tools: TwinTools.all(session))
        try await body(harness, session)
        await harness.close()
        try await session.close()
    }

    static func initialize(_ harness: MCPHarness, hub: String? = nil) async throws -> Value {
        var config: [String: Value] = ["embedder": "hashing", "catalog": catalog]
        if let hub { config["hubEndpoint"] = .string(hub) }
        return try await harness.ok("viewer_init", ["viewerId": "alice", "config": .object(config)])
    }

    @Test("tools/list: the 12 twin tools, each with an object JSON Schema that refuses unknown arguments")
    func listing() async throws {
        try await withTwin { harness, _ in
            let (tools, _) = try await harness.client.listTools()
            #expect(tools.map(\.name) == Self.names)
            for tool in tools {
                #expect(tool.inputSchema.objectValue?["type"] == "object", "\(tool.name)")
                #expect(tool.inputSchema.objectValue?["additionalProperties"] == false, "\(tool.name)")
                #expect(!(tool.description ?? "").isEmpty)
            }
        }
    }

    @Test(
        "before viewer_init every other tool is an error naming viewer_init; an unknown tool is a protocol error naming it"
    )
    func beforeInit() async throws {
        try await withTwin { harness, _ in
            for name in Self.names where name != "viewer_init" {
                var arguments: [String: Value] = [:]
                switch name {
                case "viewer_track_behavior":
                    arguments = ["action": "rate", "mediaId": "m1", "metadata": ["rating": 5]]
                case "reflexion_store":
                    arguments = ["task": "t", "input": "", "output": "", "reward": 1, "success": true]
                case "reflexion_retrieve": arguments = ["task": "t"]
                case "skill_create": arguments = ["name": "n", "description": "d"]
                case "skill_search", "pattern_search": arguments = ["query": "q"]
                case "pattern_store": arguments = ["approach": "a", "taskType": "preference"]
                default: break
                }
                let text = try await harness.fails(name, arguments)
                #expect(text.contains("call viewer_init with a viewerId first"), "\(text)")
            }
            do {
                _ = try await harness.call("viewer_teleport")
                Issue.record("an unknown tool was answered")
            } catch let error as MCPError {
                #expect(error.code == -32602)
                #expect("\(error)".contains("viewer_teleport"))
            }
        }
    }

    @Test("viewer_init: bad arguments named, catalogue imported, idempotent for the same viewer, refused for another")
    func initialization() async throws {
        try await withTwin { harness, _ in
            #expect(try await harness.fails("viewer_init").contains("missing required argument viewerId"))
            #expect(try await harness.fails("viewer_init", ["viewerId": 7]).contains("viewerId must be a string"))
            #expect(
                try await harness.fails("viewer_init", ["viewerId": "alice", "config": ["embedder": "bert"]])
                    .contains("config.embedder must be one of minilm, hashing"))
            #expect(
                try await harness.fails("viewer_init", ["viewerId": "alice", "config": ["minQualityThreshold": 2]])
                    .contains("config.minQualityThreshold must be a number in 0.0…1.0"))
            let first = try await Self.initialize(harness)
            #expect(first["opened"] == true && first["catalogImported"] == 6)
            #expect(first["stats"]?["catalogItems"] == 6)
            #expect(first["twinId"]?.stringValue?.isEmpty == false)
            let again = try await harness.ok("viewer_init", ["viewerId": "alice"])
            #expect(again["opened"] == false && again["twinId"] == first["twinId"])
            #expect(try await harness.fails("viewer_init", ["viewerId": "bob"]).contains("serves viewer alice"))
        }
    }

    @Test("viewer_track_behavior: the four actions, new items from metadata, and bad input that writes nothing")
    func tracking() async throws {
        try await withTwin { harness, _ in
            _ = try await Self.initialize(harness)
            try await harness.ok(
                "viewer_track_behavior", ["action": "rate", "mediaId": "m1", "metadata": ["rating": 5]])
            try await harness.ok(
                "viewer_track_behavior",
                ["action": "view", "mediaId": "m2", "metadata": ["duration": 6000, "completed": true]])
            try await harness.ok(
                "viewer_track_behavior", ["action": "skip", "mediaId": "m4", "metadata": ["skipTime": 30]])
            let search = try await harness.ok(
                "viewer_track_behavior",
                [
                    "action": "search", "mediaId": "m3",
                    "metadata": ["query": "slow space drama", "results": ["m3", "m5"]],
                ])
            #expect(search["events"] == 4 && search["unlearnedEvents"] == 4)
            let added = try await harness.ok(
                "viewer_track_behavior",
                ["action": "rate", "mediaId": "m9", "metadata": ["rating": 4, "title": "Moon", "genres": ["Sci-Fi"]]])
            #expect(added["addedToCatalog"] == true && added["events"] == 5)
            // Each failure names the problem and records nothing.
            #expect(
                try await harness.fails(
                    "viewer_track_behavior", ["action": "rate", "mediaId": "m10", "metadata": ["rating": 4]]
                ).contains("not in the catalogue"))
            #expect(
                try await harness.fails("viewer_track_behavior", ["action": "view", "mediaId": "m1"]).contains(
                    "metadata.duration is required for action view"))
            #expect(
                try await harness.fails("viewer_track_behavior", ["action": "rate", "metadata": ["rating": 4]])
                    .contains("mediaId is required for action rate"))
            #expect(
                try await harness.fails("viewer_track_behavior", ["action": "watch", "mediaId": "m1"]).contains(
                    "action must be one of view, search, rate, skip"))
            #expect(
                try await harness.fails(
                    "viewer_track_behavior", ["action": "rate", "mediaId": "m1", "metadata": ["rating": 6]]
                ).contains("metadata.rating must be a number in 1.0…5.0"))
            #expect(
                try await harness.fails("viewer_track_behavior", ["mediaId": "m1"]).contains(
                    "missing required argument action"))
            let stats = try await harness.ok("viewer_stats")
            #expect(stats["events"] == 5 && stats["catalogItems"] == 7)
        }
    }

    @Test("recommendations learn from tracked behaviour; export_patterns shows the learned genre preference")
    func recommendAndExport() async throws {
        try await withTwin { harness, _ in
            _ = try await Self.initialize(harness)
            for id in ["m1", "m2", "m3"] {
                try await harness.ok(
                    "viewer_track_behavior", ["action": "rate", "mediaId": .string(id), "metadata": ["rating": 5]])
            }
            #expect(try await harness.ok("viewer_export_patterns")["patterns"]?.arrayValue?.isEmpty == true)
            let answer = try await harness.ok("viewer_get_recommendations", ["k": 2, "context": ["genre": "Sci-Fi"]])
            #expect(answer["learnedPatterns"]?.intValue ?? 0 >= 1)
            let recommendations = try #require(answer["recommendations"]?.arrayValue)
            #expect(recommendations.count == 2)
            // Seen items are excluded by default; the unseen sci-fi title ranks first for this viewer.
            let ids = recommendations.compactMap { $0["mediaID"]?.stringValue }
            #expect(ids.allSatisfy { !["m1", "m2", "m3"].contains($0) })
            #expect(ids.first == "m5")
            #expect(recommendations.allSatisfy { ($0["reason"]?.stringValue ?? "").isEmpty == false })
            let exported = try #require(
                try await harness.ok("viewer_export_patterns", ["minQuality": 0.5])["patterns"]?.arrayValue)
            #expect(exported.contains { $0["tags"] == ["Sci-Fi"] })
            #expect(
                try await harness.fails("viewer_get_recommendations", ["k": 0]).contains("k must be in 1…1000, got 0"))
            #expect(
                try await harness.fails("viewer_get_recommendations", ["filters": ["excludeSeen": "no"]]).contains(
                    "filters.excludeSeen must be true or false"))
        }
    }

    @Test("reflexion, skills and patterns: store, retrieve, search; bad values named")
    func memories() async throws {
        try await withTwin { harness, _ in
            _ = try await Self.initialize(harness)
            try await harness.ok(
                "reflexion_store",
                [
                    "task": "pick a film for friday", "input": "mood: relaxed", "output": "Heat", "reward": 0.2,
                    "success": false, "critique": "too tense for the mood",
                ])
            let good = try await harness.ok(
                "reflexion_store",
                [
                    "task": "pick a film for friday", "input": "mood: relaxed", "output": "Amelie", "reward": 0.9,
                    "success": true, "tags": ["comedy"],
                ])
            #expect(good["output"] == "Amelie" && good["reward"] == 0.9)
            let retrieved = try await harness.ok(
                "reflexion_retrieve", ["task": "pick a film for friday", "includeCritiques": true])
            #expect(retrieved["matches"]?.arrayValue?.count == 2)
            #expect(retrieved["matches"]?[0]?["episode"]?["output"] == "Amelie")
            #expect(retrieved["critiques"] == ["too tense for the mood"])
            let failures = try await harness.ok(
                "reflexion_retrieve", ["task": "pick a film for friday", "outcome": "failures"])
            #expect(failures["matches"]?.arrayValue?.count == 1)
            #expect(
                try await harness.fails(
                    "reflexion_store", ["task": "t", "input": "", "output": "", "reward": 1.5, "success": true]
                ).contains("reward must be a number in 0.0…1.0"))

            let skill = try await harness.ok(
                "skill_create", ["name": "friday-film", "description": "Pick a light comedy when the viewer is tired"])
            #expect(skill["version"] == 1)
            let revised = try await harness.ok(
                "skill_create", ["name": "friday-film", "description": "Pick a light comedy or romance when tired"])
            #expect(revised["version"] == 2 && revised["parent_id"] == skill["id"])
            let skills = try await harness.ok("skill_search", ["query": "light comedy when tired", "k": 3])
            #expect(skills["matches"]?[0]?["skill"]?["name"] == "friday-film")
            #expect(skills["matches"]?.arrayValue?.count == 1)

            let before = try await harness.ok("viewer_stats")
            let pattern = try await harness.ok(
                "pattern_store",
                [
                    "approach": "Short comedies on weeknights", "taskType": "preference", "tags": ["comedy"],
                    "context": ["genres": ["Comedy"], "timeOfDay": "evening"], "successes": 4, "failures": 1,
                    "share": true,
                ])
            #expect(pattern["alpha"] == 5 && pattern["beta"] == 2 && pattern["origin"] == "local")
            try await harness.ok("pattern_store", ["approach": "Long epics on sundays", "taskType": "discovery"])
            let after = try await harness.ok("viewer_stats")
            #expect(after["localPatterns"]?.number == (before["localPatterns"]?.number ?? 0) + 2)
            // Only the shared one went to the outbox.
            #expect(after["outboxPending"]?.number == (before["outboxPending"]?.number ?? 0) + 1)
            let found = try await harness.ok(
                "pattern_search", ["query": "comedies on weeknights", "k": 1, "taskType": "preference"])
            #expect(found["matches"]?[0]?["pattern"]?["id"] == pattern["id"])
            let filtered = try await harness.ok(
                "pattern_search", ["query": "comedies on weeknights", "tags": ["epic"]])
            #expect(filtered["matches"] == [])
            #expect(
                try await harness.fails("pattern_store", ["approach": "x", "taskType": "mood"]).contains(
                    "taskType must be one of preference, recommendation, discovery, behavior"))
            #expect(
                try await harness.fails("pattern_search", ["query": "x", "k": 5000]).contains("k must be in 1…1000"))
        }
    }

    @Test("viewer_sync without a hub says so")
    func syncWithoutHub() async throws {
        try await withTwin { harness, _ in
            _ = try await Self.initialize(harness)
            #expect(try await harness.fails("viewer_sync", ["force": true]).contains("no hub endpoint configured"))
        }
    }

    @Test(
        "viewer_sync against a live hub: progress notifications, pinned key, shared pattern accepted; recent sync skipped unless forced"
    )
    func syncWithHub() async throws {
        try await LiveHub.withMCP { url, _ in
            try await withTwin { harness, _ in
                _ = try await Self.initialize(harness, hub: url)
                try await harness.ok(
                    "pattern_store",
                    ["approach": "Sci-fi on weekends", "taskType": "preference", "successes": 5, "share": true])
                let token = ProgressToken.unique()
                let synced = try await harness.ok("viewer_sync", progress: token)
                #expect(synced["skipped"] == false)
                #expect(synced["pinnedHubKey"]?.stringValue?.count == 64)
                #expect(synced["report"]?["accepted"] == 1)
                let values = try await harness.progress.wait(for: token, count: 4)
                #expect(values == [0, 1, 2, 3])
                let skipped = try await harness.ok("viewer_sync")
                #expect(skipped["skipped"] == true && skipped["reason"]?.stringValue?.contains("force") == true)
                let forced = try await harness.ok("viewer_sync", ["force": true])
                #expect(forced["skipped"] == false && forced["pinnedHubKey"] == nil)
                #expect(try await harness.ok("viewer_stats")["outboxPending"] == 0)
            }
        }
    }
}
