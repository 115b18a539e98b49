import Foundation
import HiveCore
import HiveLearning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// The hub's ALS round kind over real loopback HTTP: twins push factored statistics
/// (``WALSContribution``) or full ``WALSStatistics`` with `POST /updates/one`, the round fuses them
/// and takes the exact item solve, and the published model is what the in-process step computes.
@Suite("Hub ALS rounds over loopback")
struct ALSRoundTests {
    static let items = 30, rank = 4, seed: UInt64 = 7

    static func als() throws -> WALSConfiguration { try WALSConfiguration(regularization: 0.5, alpha: 10) }

    /// Plain FedAvg ALS: weighted mean rule over summed rows, every twin weighing 1.
    static func engine() throws -> LearningAggregationEngine {
        try LearningAggregationEngine(configuration: try LearningEngineConfiguration(
            itemCount: items, rank: rank, rule: .weightedMean, combination: .sum, scoresAgreement: false, maxStaleness: 0,
            als: try als(), initialSeed: seed, reputationWeights: false))
    }

    /// A tiny generated dataset: user u interacts with 4–9 items drawn by a seeded generator.
    static func histories(users: Int) -> [[Interaction]] {
        var rng = SeededGenerator(seed: 42)
        return (0..<users).map { _ in
            let count = Int.random(in: 4...9, using: &rng)
            return Array(Set((0..<count).map { _ in Int.random(in: 0..<items, using: &rng) })).sorted()
                .map { Interaction(item: $0, weight: 1) }
        }
    }

    struct ModelPage: Decodable {
        var delta: ModelRowsDelta?
        var version: Int64
        var signature: HubSignature?
    }

    /// The pulled model: signature checked with the hub's key, rows applied to zeros.
    static func pull(_ hub: HubClient, token: String) async throws -> ItemFactorModel {
        let page = try hub.decode(ModelPage.self, try await hub.send(.get, "/api/v1/model?sinceVersion=0", token: token))
        let delta = try #require(page.delta)
        try #require(page.signature).verify(delta, domain: HubAPI.modelDomain, hubPublicKey: Fixture.hubKey.publicKey)
        var factors = [Float](repeating: 0, count: items * rank), biases = [Float](repeating: 0, count: items)
        for row in delta.rows {
            let item = try #require(Int(row.item))
            for k in 0..<rank { factors[item * rank + k] = row.vector[k] }
            biases[item] = row.vector[rank]
        }
        return try ItemFactorModel(version: UInt64(delta.version), itemCount: items, rank: rank, factors: factors, biases: biases)
    }

    static func post(_ hub: HubClient, _ payload: some Encodable, identity: NodeIdentity, token: String, clock: TestClock, offsetMs: Int64 = 0)
        async throws -> TestResponse
    {
        let envelope = try SignedEnvelope.sign(
            payload, kind: .modelUpdate, stamp: Fixture.stamp(identity, clock, offsetMs: offsetMs), identity: identity)
        return try await hub.send(.post, "/api/v1/updates/one", token: token, body: try HubClient.json(envelope))
    }

    @Test("an ALS round over HTTP publishes exactly the in-process item step from the same statistics")
    func roundEqualsInProcess() async throws {
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, engine: try Self.engine())
            try await Fixture.application(core: core).test(.live) { client in
                let hub = HubClient(client: client)
                var twins: [(identity: NodeIdentity, twinID: String, token: String)] = []
                for user in 0..<6 { twins.append(try await hub.register(user: "u\(user)")) }
                // Round 1 publishes the seeded initial model.
                let first = try hub.decode(RoundRecord.self, try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret))
                #expect(first.modelVersion == 1 && first.updatesUsed == 0)
                let initial = try await Self.pull(hub, token: twins[0].token)
                let seeded = try ItemFactorModel(itemCount: Self.items, rank: Self.rank, seed: Self.seed)
                #expect(initial.factors == seeded.factors && initial.version == 1)

                // Every twin solves its vector against the pulled model and pushes the factored form.
                let trainer = WALSTrainer(configuration: try Self.als())
                let gram = WALSTrainer.gram(of: initial)
                var statistics: [ModelUpdate] = []
                for (twin, own) in zip(twins, Self.histories(users: twins.count)) {
                    let user = try trainer.solveUser(model: initial, gram: gram, interactions: own)
                    let contribution = try WALSContribution(
                        model: initial, user: user, interactions: own, configuration: try Self.als(), twinID: twin.twinID)
                    // The factored form expands to exactly the trainer's statistics.
                    let full = try trainer.statistics(model: initial, user: user, interactions: own, twinID: twin.twinID)
                    #expect(try contribution.statistics(itemCount: Self.items) == full)
                    statistics.append(full)
                    let pushed = try await Self.post(hub, contribution, identity: twin.identity, token: twin.token, clock: clock)
                    #expect(pushed.status == .created)
                }
                let record = try hub.decode(RoundRecord.self, try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret))
                #expect(record.modelVersion == 2 && record.updatesUsed == 6 && record.updatesRejected == 0)
                let published = try await Self.pull(hub, token: twins[1].token)

                // In process, the same statistics in the hub's order (by twin id), same rule and solve.
                let ordered = statistics.sorted { $0.twinID < $1.twinID }
                let aggregator = try UpdateAggregator(rule: .weightedMean, combination: .sum)
                let fused = try aggregator.aggregateStatistics(ordered, model: initial)
                let step = try WALSSolver.itemStep(model: initial, statistics: fused, configuration: try Self.als())
                let expected = try initial.applying(step.round)
                #expect(published.factors == expected.factors)
                #expect(published.biases == expected.biases)
                // And it is centralised ALS's item step (the exact sum of the statistics), to Float rounding.
                let central = try initial.applying(
                    WALSSolver.itemStep(model: initial, statistics: try WALSSolver.sum(statistics, model: initial), configuration: try Self.als()).round)
                let gap = zip(published.factors, central.factors).map { abs($0 - $1) }.max() ?? 0
                #expect(gap < 1e-4, "largest gap to centralised ALS: \(gap)")
                #expect(published.factors != initial.factors)
            }
        }
    }

    @Test("malformed, impossible and forged statistics are refused with a specific problem and nothing is stored")
    func refusals() async throws {
        let clock = TestClock()
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, engine: try Self.engine())
            try await Fixture.application(core: core).test(.live) { client in
                let hub = HubClient(client: client)
                let twin = try await hub.register(user: "mallory")
                _ = try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret)
                let model = try await Self.pull(hub, token: twin.token)
                let trainer = WALSTrainer(configuration: try Self.als())
                let own = Self.histories(users: 1)[0]
                let user = try trainer.solveUser(model: model, gram: WALSTrainer.gram(of: model), interactions: own)
                let honest = try trainer.statistics(model: model, user: user, interactions: own, twinID: twin.twinID)
                var offset: Int64 = 0
                func refused(_ payload: some Encodable, _ type: ProblemType, _ detail: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                    offset += 1
                    let response = try await Self.post(hub, payload, identity: twin.identity, token: twin.token, clock: clock, offsetMs: offset)
                    try expectProblem(response, type, hub, sourceLocation: sourceLocation)
                    let body = try hub.problem(response)
                    #expect(body.detail.contains(detail), "\(body.detail)", sourceLocation: sourceLocation)
                }

                // Full statistics whose item row is not (c − 1)·x·xᵀ of the Gram row's x (a forged second moment).
                var forged = honest
                forged.rows[0].factors[Self.rank] *= -5
                try await refused(forged, .invalidInput, "is not (c − 1)·x·xᵀ")
                // A Gram row that is not x·xᵀ (indefinite).
                var indefinite = honest
                indefinite.rows[indefinite.rows.count - 1].factors[Self.rank] = -1
                try await refused(indefinite, .invalidInput, "statistics from \(twin.twinID)")
                // Statistics without a Gram row.
                let noGram = try ModelUpdate(
                    twinID: twin.twinID, baseVersion: honest.baseVersion, rank: honest.rank, rows: Array(honest.rows.dropLast()),
                    interactionCount: honest.interactionCount)
                try await refused(noGram, .invalidInput, "no Gram row")
                // Factored forms: a confidence below 1, a zero vector, the wrong rank, an item outside the model.
                struct Raw: Encodable {
                    var twin_id: String, base_version: UInt64, user: [Float], items: [WALSContribution.Item]
                }
                try await refused(
                    Raw(twin_id: twin.twinID, base_version: 1, user: user, items: [.init(item: 2, confidence: 0.5)]),
                    .invalidInput, "confidence 0.5")
                try await refused(
                    Raw(twin_id: twin.twinID, base_version: 1, user: [0, 0, 0, 0], items: [.init(item: 2, confidence: 11)]),
                    .invalidInput, "zero vector")
                try await refused(
                    Raw(twin_id: twin.twinID, base_version: 1, user: [1, 2, 3], items: [.init(item: 2, confidence: 11)]),
                    .invalidInput, "rank 4")
                try await refused(
                    Raw(twin_id: twin.twinID, base_version: 1, user: user, items: [.init(item: Self.items, confidence: 11)]),
                    .invalidInput, "names item \(Self.items)")
                try await refused(
                    Raw(twin_id: twin.twinID, base_version: 1, user: user, items: [.init(item: 3, confidence: 11), .init(item: 3, confidence: 11)]),
                    .invalidInput, "repeats item 3")
                // BPR row deltas are not what an ALS hub takes.
                try await refused(
                    try ModelUpdate(
                        twinID: twin.twinID, baseVersion: 1, rank: Self.rank,
                        rows: [RowUpdate(item: 1, factors: [0.1, 0.1, 0.1, 0.1], bias: 0)], interactionCount: 1),
                    .invalidInput, "rank 4 needs 14")
                // Not JSON at all.
                try expectProblem(
                    try await hub.send(.post, "/api/v1/updates/one", token: twin.token, body: ByteBuffer(string: "{\"kind\":")),
                    .malformedRequest, hub)
                // The batch route gives the same reason per envelope.
                let envelope = try SignedEnvelope.sign(
                    forged, kind: .modelUpdate, stamp: Fixture.stamp(twin.identity, clock, offsetMs: 100), identity: twin.identity)
                let batch = try hub.decode(
                    HubAPI.BatchResult.self,
                    try await hub.send(.post, "/api/v1/updates", token: twin.token, body: try HubClient.json(HubAPI.EnvelopeBatch(envelopes: [envelope]))))
                #expect(batch.results.map(\.status) == [.rejected])
                #expect(batch.results.first?.reason?.contains("is not (c − 1)·x·xᵀ") == true)

                var counts = try await core.store.counts(nowMs: clock.now, activeWindowMs: 60_000)
                #expect(counts.modelUpdatesReceived == 0 && counts.modelUpdatesPending == 0)

                // Honest full statistics pass the decompose check and are stored; a replay is a duplicate.
                let accepted = try await Self.post(hub, honest, identity: twin.identity, token: twin.token, clock: clock, offsetMs: 200)
                #expect(accepted.status == .created)
                counts = try await core.store.counts(nowMs: clock.now, activeWindowMs: 60_000)
                #expect(counts.modelUpdatesReceived == 1 && counts.modelUpdatesPending == 1)
                let again = try await Self.post(hub, honest, identity: twin.identity, token: twin.token, clock: clock, offsetMs: 200)
                try expectProblem(again, .duplicate, hub)
                let record = try hub.decode(RoundRecord.self, try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret))
                #expect(record.modelVersion == 2 && record.updatesUsed == 1 && record.updatesRejected == 0)
            }
        }
    }

    @Test("configuration: ALS needs rank ≤ 43; hive.json's modelKind/modelSeed reach the engine; unknown kinds are refused")
    func configuration() throws {
        #expect(WALSContribution.maxRank == 43)
        #expect { try LearningEngineConfiguration(itemCount: 10, rank: 44, als: try Self.als()) } throws: {
            ($0 as? HiveError)?.message.contains("ALS needs rank ≤ 43") == true
        }
        var hub = HubConfiguration()
        hub.modelKind = "als"
        hub.modelSeed = 3
        hub.modelRank = 8
        let learning = try hub.learningConfiguration()
        #expect(learning.als == (try WALSConfiguration(regularization: 5, alpha: 10)) && learning.initialSeed == 3)
        hub.modelSeed = nil
        #expect { try hub.validate() } throws: { ($0 as? HiveError)?.message.contains("modelKind als needs modelSeed") == true }
        hub.modelKind = "svd"
        #expect { try hub.validate() } throws: { ($0 as? HiveError)?.message.contains("modelKind must be bpr or als") == true }
    }
}
