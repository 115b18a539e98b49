import Foundation
import HiveCore
import HiveLearning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

@Suite("LearningAggregationEngine")
struct LearningEngineTests {
    static let rank = 4

    /// The hub's default engine (median-norm bounding, rows summed, agreement reputation) or the
    /// given rule with the default combination and reputation.
    static func engine(rule: AggregationRule = .medianNormBounding(multiple: 1)) throws -> LearningAggregationEngine {
        try LearningAggregationEngine(
            configuration: LearningEngineConfiguration(itemCount: 50, rank: rank, rule: rule))
    }

    /// An honest-looking update: items 1…3 moved along +0.25 with per-twin jitter (‖Δ‖ ≈ 0.9).
    static func update(twin: String, seed: Int, scale: Float = 1, bias: Float = 0.1, items: [Int] = [1, 2, 3]) throws -> ModelUpdate {
        let rows = items.map { item in
            RowUpdate(
                item: item,
                factors: (0..<rank).map { k in scale * (0.25 + 0.01 * Float((seed * 7 + k * 3 + item) % 5 - 2)) },
                bias: scale * bias)
        }
        return try ModelUpdate(twinID: twin, baseVersion: 0, rank: rank, rows: rows, interactionCount: 10)
    }

    func withHub(_ body: @escaping @Sendable (HubClient, OmegaCore, TestClock) async throws -> Void) async throws {
        let clock = TestClock()
        let engine = try Self.engine()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, engine: engine)
            try await Fixture.application(core: core).test(.router) { client in
                try await body(HubClient(client: client), core, clock)
            }
        }
    }

    @Test("3 twins push signed updates and patterns → /aggregate 200 → pull returns version 1 and the consolidated pattern")
    func endToEnd() async throws {
        try await withHub { hub, core, clock in
            var twins: [(identity: NodeIdentity, twinID: String, token: String)] = []
            for user in ["alice", "bob", "carol"] { twins.append(try await hub.register(user: user)) }
            for (index, twin) in twins.enumerated() {
                let update = try SignedEnvelope.sign(
                    Self.update(twin: twin.twinID, seed: index), kind: .modelUpdate,
                    stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                let pattern = try SignedEnvelope.sign(
                    Fixture.pattern(id: "p-\(index)", twin.identity, clock), kind: .pattern,
                    stamp: Fixture.stamp(twin.identity, clock, offsetMs: 1), identity: twin.identity)
                let request = try OmegaSyncRequest(type: .push, since: 0, envelopes: [update, pattern])
                let response = try hub.decode(
                    OmegaSyncResponse.self,
                    try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request)))
                #expect(response.results.map(\.status) == [.accepted, .accepted], "\(response.results)")
            }
            let aggregate = try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret)
            #expect(aggregate.status == .ok)
            let record = try hub.decode(RoundRecord.self, aggregate)
            #expect(record.modelVersion == 1)
            #expect(record.updatesUsed == 3)
            #expect(record.patternsConsolidated == 1)

            let pull = try #require(
                try hub.decode(
                    OmegaSyncResponse.self,
                    try await hub.send(
                        .post, "/api/v1/sync", token: twins[0].token,
                        body: try HubClient.json(try OmegaSyncRequest(type: .pull, since: 0)))
                ).pull)
            let delta = try #require(pull.modelDeltas.first)
            #expect(delta.version == 1 && delta.dimension == Self.rank + 1)
            #expect(delta.rows.map(\.item).sorted() == ["1", "2", "3"])
            // All three moved items by ≈ +0.25 per factor from zero; rows sum their senders: ≈ +0.75.
            for row in delta.rows { for value in row.vector.prefix(Self.rank) { #expect(abs(value - 0.75) < 0.1, "\(value)") } }
            let consolidated = try #require(pull.patterns.first)
            #expect(consolidated.voters == 3 && consolidated.pattern.origin == .global)
            #expect(consolidated.agreement >= 0.66)
            #expect(core.engine?.name.contains("hashing-ngram") == true)
        }
    }

    @Test("a round records accepted and rejected updates: a superseded update is consumed but does not count")
    func acceptedAndRejectedPerRound() async throws {
        try await withHub { hub, core, clock in
            var twins: [(identity: NodeIdentity, twinID: String, token: String)] = []
            for user in ["alice", "bob"] { twins.append(try await hub.register(user: user)) }
            for (index, twin) in twins.enumerated() {
                // Alice sends two updates before the round: only her newest counts.
                let count = index == 0 ? 2 : 1
                let envelopes = try (0..<count).map { n in
                    try SignedEnvelope.sign(
                        Self.update(twin: twin.twinID, seed: index * 10 + n), kind: .modelUpdate,
                        stamp: Fixture.stamp(twin.identity, clock, offsetMs: Int64(n)), identity: twin.identity)
                }
                let request = try OmegaSyncRequest(type: .push, since: 0, envelopes: envelopes)
                #expect(try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request)).status == .ok)
            }
            let record = try hub.decode(RoundRecord.self, try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret))
            #expect(record.updatesUsed == 3 && record.updatesRejected == 1)
            // Stored with the round: /stats and the dashboard read it back.
            let counts = try await core.store.counts(nowMs: clock.now, activeWindowMs: 60_000)
            #expect(counts.lastRound?.updatesRejected == 1 && counts.lastRound?.updatesUsed == 3)
            let summary = try hub.decode(
                DashboardSummary.self, try await hub.send(.get, "/api/v1/dashboard/summary", token: Fixture.adminSecret))
            let round = try #require(summary.learning.recentRounds.last)
            #expect(round.updatesAccepted == 2 && round.updatesRejected == 1)
        }
    }

    @Test("NaN, oversized, wrong-rank and out-of-range updates are rejected at push with a reason")
    func badUpdatesRejected() async throws {
        try await withHub { hub, core, clock in
            let twin = try await hub.register()
            let good = try Self.update(twin: twin.twinID, seed: 0, bias: 0.5)
            let goodJSON = String(decoding: try CanonicalJSON.encode(good), as: UTF8.self)
            let wrongRank = try ModelUpdate(
                twinID: twin.twinID, baseVersion: 0, rank: 3, rows: [RowUpdate(item: 1, factors: [0, 0, 0], bias: 0)],
                interactionCount: 1)
            let outOfRange = try ModelUpdate(
                twinID: twin.twinID, baseVersion: 0, rank: Self.rank,
                rows: [RowUpdate(item: 50, factors: [0.1, 0.1, 0.1, 0.1], bias: 0)], interactionCount: 1)
            let payloads: [[UInt8]] = [
                Array(goodJSON.replacingOccurrences(of: "\"bias\":0.5", with: "\"bias\":NaN").utf8),
                Array(goodJSON.replacingOccurrences(of: "\"bias\":0.5", with: "\"bias\":10000000").utf8),
                try CanonicalJSON.encode(wrongRank),
                try CanonicalJSON.encode(outOfRange),
            ]
            #expect(payloads[0] != Array(goodJSON.utf8) && payloads[1] != Array(goodJSON.utf8))
            let envelopes = try payloads.enumerated().map { index, payload in
                try SignedEnvelope.sign(
                    payload: payload, kind: .modelUpdate, stamp: Fixture.stamp(twin.identity, clock, offsetMs: Int64(index)),
                    identity: twin.identity)
            }
            let response = try hub.decode(
                OmegaSyncResponse.self,
                try await hub.send(
                    .post, "/api/v1/sync", token: twin.token,
                    body: try HubClient.json(try OmegaSyncRequest(type: .push, since: 0, envelopes: envelopes))))
            #expect(response.results.allSatisfy { $0.status == .rejected }, "\(response.results)")
            let reasons = response.results.map { $0.reason ?? "" }
            #expect(reasons[1].contains("1e6"))
            #expect(reasons[2].contains("rank"))
            #expect(reasons[3].contains("item 50"))
            #expect(reasons.allSatisfy { !$0.isEmpty })
            let record = try await core.aggregate()
            #expect(record.modelVersion == 0 && record.updatesUsed == 0)
        }
    }

    /// A pending contribution carrying `update`.
    static func pending(_ update: ModelUpdate) throws -> PendingContribution {
        PendingContribution(
            envelopeID: "env-\(update.twinID)", twinID: update.twinID, kind: .modelUpdate,
            payload: try CanonicalJSON.encode(update), receivedAt: 0)
    }

    static func input(_ updates: [ModelUpdate]) throws -> RoundInput {
        RoundInput(
            round: 1, nowMs: 0, patterns: [], modelUpdates: try updates.map(pending),
            reputations: Dictionary(uniqueKeysWithValues: updates.map { ($0.twinID, 0.5) }), modelVersion: 0,
            currentRows: [:], modelDimension: nil)
    }

    static func vectors(_ output: RoundOutput) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: (output.modelDelta?.rows ?? []).map { ($0.item, $0.vector) })
    }

    static func distance(_ a: [String: [Float]], _ b: [String: [Float]]) -> Double {
        Set(a.keys).union(b.keys).reduce(0.0) { sum, key in
            let x = a[key] ?? [], y = b[key] ?? []
            return sum + zip(x, y).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        }.squareRoot()
    }

    @Test("a third of twins sign-flipping ×10: median-norm bounding keeps the direction, far closer than the plain mean")
    func signFlipResisted() throws {
        let honest = try (0..<4).map { try Self.update(twin: "h\($0)", seed: $0) }
        let attackers = try (0..<2).map { try Self.update(twin: "a\($0)", seed: $0, scale: -10) }
        let engine = try Self.engine()
        let clean = Self.vectors(try engine.round(try Self.input(honest)))
        let attacked = try engine.round(try Self.input(honest + attackers))
        let robust = Self.vectors(attacked)
        let plain = Self.vectors(try Self.engine(rule: .weightedMean).round(try Self.input(honest + attackers)))
        let robustError = Self.distance(robust, clean)
        let plainError = Self.distance(plain, clean)
        #expect(robustError < 0.25 * plainError, "robust \(robustError) vs plain \(plainError)")
        // Every item still moves the honest way.
        for (item, vector) in robust {
            let honestVector = try #require(clean[item])
            #expect(zip(vector, honestVector).reduce(0) { $0 + $1.0 * $1.1 } > 0)
        }
        // Attackers lose reputation relative to honest twins.
        let worstHonest = try #require(honest.compactMap { attacked.reputations[$0.twinID] }.min())
        let bestAttacker = try #require(attackers.compactMap { attacked.reputations[$0.twinID] }.max())
        #expect(bestAttacker < worstHonest)
    }

    @Test("stored rows that do not fit the engine's shape abort the round")
    func inconsistentStoreRejected() throws {
        var input = try Self.input([try Self.update(twin: "h0", seed: 0)])
        input.currentRows = ["x7": [0, 0, 0, 0, 0]]
        #expect(throws: HiveError.self) { try Self.engine().round(input) }
        input.currentRows = ["99": [0, 0, 0, 0, 0]]
        #expect(throws: HiveError.self) { try Self.engine().round(input) }
        input.currentRows = [:]
        input.modelDimension = 9
        #expect(throws: HiveError.self) { try Self.engine().round(input) }
    }
}
