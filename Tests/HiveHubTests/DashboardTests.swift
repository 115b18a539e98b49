import Foundation
import HiveCore
import HiveLearning
import HiveLedger
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

@Suite("Dashboard: page, summary, access modes")
struct DashboardTests {
    func withHub(
        access: DashboardAccess, engine: (any AggregationEngine)? = nil,
        _ body: @escaping @Sendable (HubClient, OmegaCore, TestClock) async throws -> Void
    ) async throws {
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, configure: { $0.dashboard = access }, engine: engine)
            try await Fixture.application(core: core).test(.router) { client in
                try await body(HubClient(client: client), core, clock)
            }
        }
    }

    /// Registers `count` twins and has each push one skill trace and one pattern.
    func feed(_ hub: HubClient, _ clock: TestClock, count: Int) async throws -> [(id: String, publicKey: String)] {
        var twins: [(String, String)] = []
        for index in 0..<count {
            let twin = try await hub.register(user: "user\(index)")
            let trace = try Fixture.trace(id: "trace-\(index)", intent: "find a film \(index)", instance: twin.twinID)
            let skill = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            let pattern = try SignedEnvelope.sign(
                Fixture.pattern(id: "p\(index)", twin.identity, clock), kind: .pattern, stamp: Fixture.stamp(twin.identity, clock),
                identity: twin.identity)
            let request = try OmegaSyncRequest(type: .full, since: 0, envelopes: [skill, pattern], maxPullCount: 10)
            let response = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request))
            #expect(response.status == .ok)
            twins.append((twin.twinID, twin.identity.publicKeyHex))
        }
        return twins
    }

    @Test("the page and its assets are served without a token; other names are 404")
    func staticFiles() async throws {
        try await withHub(access: .token) { hub, _, _ in
            let page = try await hub.send(.get, "/dashboard")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.contains("id=\"sign-in-form\""))
            #expect(html.contains("/dashboard/dashboard.js"))
            // No external requests: nothing on the page points off-origin.
            #expect(!html.contains("http://") && !html.contains("https://"))
            #expect(page.headers[.init("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
            let script = try await hub.send(.get, "/dashboard/dashboard.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: script.body).contains("sessionStorage"))
            #expect(try await hub.send(.get, "/dashboard/dashboard.css").headers[.contentType] == "text/css; charset=utf-8")
            try expectProblem(try await hub.send(.get, "/dashboard/secret.key"), .notFound, hub)
            try expectProblem(try await hub.send(.get, "/dashboard/..%2Fhub.sqlite"), .notFound, hub)
        }
    }

    @Test("token mode: the summary refuses without the admin token (401) and with a wrong one")
    func summaryNeedsToken() async throws {
        try await withHub(access: .token) { hub, _, _ in
            try expectProblem(try await hub.send(.get, "/api/v1/dashboard/summary"), .unauthorized, hub)
            try expectProblem(try await hub.send(.get, "/api/v1/dashboard/summary", token: "hive_admin_wrong"), .unauthorized, hub)
            let twin = try await hub.register()
            // A twin token is not enough either.
            try expectProblem(try await hub.send(.get, "/api/v1/dashboard/summary", token: twin.token), .unauthorized, hub)
            #expect(try await hub.send(.get, "/api/v1/dashboard/summary", token: Fixture.adminSecret).status == .ok)
        }
    }

    @Test("token mode: the admin summary agrees with /stats and names twins")
    func summaryMatchesStats() async throws {
        try await withHub(access: .token) { hub, _, clock in
            let twins = try await feed(hub, clock, count: 3)
            let response = try await hub.send(.get, "/api/v1/dashboard/summary", token: Fixture.adminSecret)
            let summary = try hub.decode(DashboardSummary.self, response)
            let stats = try hub.decode(
                HubAPI.Stats.self, try await hub.send(.get, "/api/v1/stats", token: Fixture.adminSecret))
            #expect(summary.mode == .token)
            #expect(summary.twins.registered == 3 && summary.twins.registered == stats.twins.total)
            #expect(summary.twins.active == stats.twins.active)
            #expect(summary.twins.reputationBands.map(\.count).reduce(0, +) == 3)
            #expect(summary.patterns.received == stats.patterns.received)
            #expect(summary.skills.total == 3 && summary.skills.total == stats.skills)
            #expect(summary.network.syncs == 3 && summary.network.syncs == stats.process.syncs)
            #expect(summary.network.bytesIn == stats.process.bytesIn && summary.network.bytesIn > 0)
            #expect(summary.network.latencySamples == 3)
            let p50 = try #require(summary.network.p50Ms)
            #expect(p50 <= (summary.network.p99Ms ?? -1))
            // The ledger: the head /ledger/sth serves, and the newest entries with their leaf hashes.
            let ledger = try #require(summary.ledger)
            let sth = try hub.decode(SignedTreeHead.self, try await hub.send(.get, "/api/v1/ledger/sth"))
            #expect(ledger.treeSize == sth.treeSize && ledger.treeSize > 0)
            #expect(ledger.rootHash == sth.rootHash.hex && ledger.signature == Hex.encode(sth.signature))
            #expect(ledger.recent.count == Int(min(sth.treeSize, HubAPI.dashboardLedgerEntries)))
            #expect(ledger.recent.first?.index == sth.treeSize - 1)
            let newest = try hub.decode(
                HubAPI.LedgerEntriesPage.self,
                try await hub.send(.get, "/api/v1/ledger/entries?start=\(sth.treeSize - 1)&end=\(sth.treeSize)"))
            let newestEntry = try #require(newest.entries.first)
            let bytes = try #require(Data(base64Encoded: newestEntry.data))
            #expect(ledger.recent.first?.leafHash == Merkle.leafHash(bytes).hex)
            #expect(ledger.recent.contains { $0.twin != nil })
            #expect(Set(summary.skills.latest.compactMap(\.twinID)) == Set(twins.map(\.id)))
            #expect(summary.graph.nodes.filter { $0.kind == .twin }.count == 3)
            // The 401s above and any other problem are counted by kind.
            _ = try await hub.send(.get, "/api/v1/dashboard/summary")
            let after = try hub.decode(
                DashboardSummary.self, try await hub.send(.get, "/api/v1/dashboard/summary", token: Fixture.adminSecret))
            #expect((after.network.errorsByKind["unauthorized"] ?? 0) >= 1)
        }
    }

    @Test("public mode: aggregates without a token, and no twin ids, keys or trace ids in the body")
    func publicRedacts() async throws {
        let engine = try LearningAggregationEngine(configuration: LearningEngineConfiguration())
        try await withHub(access: .public, engine: engine) { hub, _, clock in
            let twins = try await feed(hub, clock, count: 3)
            // A round consolidates the three twins' pattern: provenance, ledger entries about twins.
            #expect(try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret).status == .ok)
            let response = try await hub.send(.get, "/api/v1/dashboard/summary")
            #expect(response.status == .ok)
            let body = String(buffer: response.body)
            for twin in twins {
                #expect(!body.contains(twin.id), "twin id leaked")
                #expect(!body.contains(twin.publicKey), "public key leaked")
            }
            #expect(!body.contains("trace-0"))
            #expect(!body.contains(Fixture.adminSecret))
            let summary = try hub.decode(DashboardSummary.self, response)
            #expect(summary.mode == .public)
            #expect(summary.twins.registered == 3)
            #expect(summary.skills.total == 3)
            #expect(summary.skills.latest.count == 3 && summary.skills.latest.allSatisfy { $0.twinID == nil && $0.traceID == nil })
            #expect(summary.learning.excludedTwins == nil)
            #expect(summary.graph.nodes.filter { $0.kind == .twin }.map(\.id).sorted() == ["twin 1", "twin 2", "twin 3"])
            #expect(summary.graph.nodes.filter { $0.kind == .pattern }.map(\.id) == ["pattern 1"])
            #expect(summary.graph.edges.count == 3 && summary.graph.edges.allSatisfy { $0.target == "pattern 1" })
            #expect(summary.patterns.latest.allSatisfy { $0.id == nil && $0.contributors == nil })
            let ledger = try #require(summary.ledger)
            #expect(ledger.treeSize > 0 && !ledger.recent.isEmpty)
            #expect(ledger.recent.allSatisfy { $0.twin == nil && ($0.ref == nil || $0.kind == "round") })
            // Public mode opens only the summary: /stats, /twins, /events and /metrics still need the token.
            for path in ["/api/v1/stats", "/api/v1/twins", "/api/v1/events", "/metrics"] {
                try expectProblem(try await hub.send(.get, path), .unauthorized, hub)
            }
            // The admin still gets the full view.
            let full = try hub.decode(
                DashboardSummary.self, try await hub.send(.get, "/api/v1/dashboard/summary", token: Fixture.adminSecret))
            #expect(Set(full.skills.latest.compactMap(\.twinID)) == Set(twins.map(\.id)))
        }
    }

    @Test("graph links: a consolidated pattern joins the twins that voted for it (provenance)")
    func graphProvenance() async throws {
        let engine = try LearningAggregationEngine(configuration: LearningEngineConfiguration())
        try await withHub(access: .token, engine: engine) { hub, core, clock in
            let twins = try await feed(hub, clock, count: 3)
            let outsider = try await hub.register(user: "outsider")
            let round = try hub.decode(RoundRecord.self, try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret))
            #expect(round.ran && round.patternsConsolidated == 1)
            let stored = try await core.store.consolidatedPatterns(sinceRound: 0, priority: nil, limit: 10)
            let pattern = try #require(stored.first)
            #expect(pattern.contributors == twins.map(\.id).sorted())
            #expect(pattern.pattern.provenance.count == 3)  // the member envelopes
            let summary = try hub.decode(
                DashboardSummary.self, try await hub.send(.get, "/api/v1/dashboard/summary", token: Fixture.adminSecret))
            let edges = Set(summary.graph.edges.map { "\($0.source)>\($0.target)" })
            #expect(edges == Set(twins.map { "\($0.id)>\(pattern.id)" }))
            #expect(!summary.graph.edges.contains { $0.source == outsider.twinID })
            #expect(summary.graph.nodes.contains { $0.id == outsider.twinID && $0.kind == .twin })
            #expect(summary.patterns.latest.first?.contributors == pattern.contributors)
            #expect(summary.learning.rule == "median-norm-bounding(1.0)")
            #expect(summary.learning.model?.items == 10_000 && summary.learning.model?.rank == 16)
            // Contributors travel with the pattern to twins (and are covered by its ledger data hash).
            let pulled = try await hub.send(.get, "/api/v1/patterns", token: outsider.token)
            #expect(String(buffer: pulled.body).contains(twins[0].id))
        }
    }

    @Test("graph: contributors first, each side bounded, blocked twins left out")
    func graphBounds() throws {
        let twins = (0..<40).map {
            TwinRecord(
                id: String(format: "t%02d", $0), publicKey: "", userID: "u", metadata: [:], registeredAt: 0,
                reputation: Double($0) / 40, blocked: $0 == 39)
        }
        let pattern = try ConsolidatedPattern(
            id: "c1", pattern: try Pattern(id: "c1", taskType: .discovery, approach: "x", stamp: HLCTimestamp(physicalMs: 1, logical: 0, nodeID: "n")),
            priority: .high, voters: 3, agreement: 0.9, quality: 0.9, round: 1, contributors: ["t00", "t01", "t39"])
        let graph = HubAPI.graph(twins: twins, patterns: [pattern], redacted: false)
        let shown = graph.nodes.filter { $0.kind == .twin }.map(\.id)
        #expect(shown.count == HubAPI.dashboardGraphLimit)
        // Low-reputation contributors make the cut; the blocked one does not.
        #expect(shown.prefix(2).sorted() == ["t00", "t01"] && !shown.contains("t39"))
        #expect(graph.edges.map(\.source).sorted() == ["t00", "t01"])
    }

    @Test("consolidated pattern records: contributors validated, absent ones decode as empty")
    func contributorsValidation() throws {
        let base = try Pattern(id: "c1", taskType: .discovery, approach: "x", stamp: HLCTimestamp(physicalMs: 1, logical: 0, nodeID: "n"))
        #expect(throws: HiveError.self) {
            try ConsolidatedPattern(id: "c", pattern: base, priority: .low, voters: 1, agreement: 1, quality: 1, round: 1, contributors: ["a", "b"])
        }
        #expect(throws: HiveError.self) {
            try ConsolidatedPattern(
                id: "c", pattern: base, priority: .low, voters: 1, agreement: 1, quality: 1, round: 1,
                contributors: [String(repeating: "x", count: 500)])
        }
        let record = try ConsolidatedPattern(id: "c", pattern: base, priority: .low, voters: 2, agreement: 1, quality: 1, round: 1, contributors: ["a", "b"])
        var object = try #require(try JSONSerialization.jsonObject(with: try HiveJSON.encode(record)) as? [String: Any])
        #expect(object["contributors"] as? [String] == ["a", "b"])
        object["contributors"] = nil
        let old = try HiveJSON.decode(ConsolidatedPattern.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.contributors.isEmpty)
    }

    @Test("latency percentiles, bands and the sample series")
    func signals() {
        let signals = DashboardSignals()
        #expect(signals.latencyPercentiles == nil)
        for ms in 1...100 { signals.recordLatency(Double(ms)) }
        signals.recordLatency(.nan)
        signals.recordLatency(-1)
        let p = signals.latencyPercentiles
        #expect(p?.p50 == 50 && p?.p95 == 95 && p?.p99 == 99 && p?.count == 100)
        for ms in 0..<(DashboardSignals.latencyWindow + 10) { signals.recordLatency(Double(ms)) }
        #expect(signals.latencyPercentiles?.count == DashboardSignals.latencyWindow)
        signals.observe(nowMs: 0, syncs: 0, round: nil)
        signals.observe(nowMs: 1000, syncs: 5, round: nil)  // too soon: dropped
        signals.observe(nowMs: 6000, syncs: 9, round: nil)
        #expect(signals.samples.map(\.syncs) == [0, 9])
        #expect(HubAPI.bands([0, 0.19, 0.2, 0.5, 1.0, .nan]).map(\.count) == [3, 1, 1, 0, 1])
    }
}
