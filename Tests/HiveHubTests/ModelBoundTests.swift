import Foundation
import HiveCore
import HiveLearning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// The model-items cap (the memory bound on the hub's model) on every path a model row can enter
/// by: configuration, `POST /sync`, `POST /updates`, pending updates at round time, and stored rows
/// at start.
@Suite("Model items cap")
struct ModelBoundTests {
    static func engine(items: Int, rank: Int = 4) throws -> LearningAggregationEngine {
        try LearningAggregationEngine(configuration: try LearningEngineConfiguration(itemCount: items, rank: rank))
    }

    static func update(twinID: String, item: Int, rank: Int = 4) throws -> ModelUpdate {
        try ModelUpdate(
            twinID: twinID, baseVersion: 0, rank: rank,
            rows: [RowUpdate(item: 1, factors: [Float](repeating: 0.1, count: rank), bias: 0),
                   RowUpdate(item: item, factors: [Float](repeating: 0.1, count: rank), bias: 0)],
            interactionCount: 1)
    }

    @Test("configuration: items above 50 000 or items × (rank + 1) above 4 Mi floats are refused, naming the setting")
    func configurationBound() throws {
        var configuration = HubConfiguration()
        configuration.modelItems = LearningEngineConfiguration.maxItems
        configuration.modelRank = 16
        _ = try configuration.learningConfiguration()
        configuration.modelItems += 1
        #expect { try configuration.validate() } throws: { ($0 as? HiveError)?.message.contains("modelItems must be in 1…50000") == true }
        configuration.modelItems = 40_000
        configuration.modelRank = 200
        #expect { try configuration.validate() } throws: {
            ($0 as? HiveError)?.message.contains("exceeds the hub model's memory bound") == true
        }
        #expect(throws: HiveError.self) { try LearningEngineConfiguration(itemCount: 40_000, rank: 200) }
        #expect(throws: HiveError.self) { try LearningEngineConfiguration(itemCount: 50_001, rank: 1) }
    }

    @Test("an item at or past modelItems is rejected with its reason on /sync and /updates; nothing is stored")
    func pushPaths() async throws {
        let clock = TestClock()
        let engine = try Self.engine(items: 50)
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, engine: engine)
            try await Fixture.application(core: core).test(.router) { client in
                let hub = HubClient(client: client)
                let twin = try await hub.register()
                let sync = try SignedEnvelope.sign(
                    try Self.update(twinID: twin.twinID, item: 50), kind: .modelUpdate,
                    stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                let synced = try hub.decode(
                    OmegaSyncResponse.self,
                    try await hub.send(
                        .post, "/api/v1/sync", token: twin.token,
                        body: try HubClient.json(try OmegaSyncRequest(type: .push, since: 0, envelopes: [sync]))))
                #expect(synced.results.map(\.status) == [.rejected])
                #expect(synced.results.first?.reason?.contains("touches item 50; the hub's model has 50 items") == true)

                let direct = try SignedEnvelope.sign(
                    try Self.update(twinID: twin.twinID, item: 1_000_000), kind: .modelUpdate,
                    stamp: Fixture.stamp(twin.identity, clock, offsetMs: 1), identity: twin.identity)
                let batch = try await hub.send(
                    .post, "/api/v1/updates", token: twin.token, body: try HubClient.json(HubAPI.EnvelopeBatch(envelopes: [direct])))
                #expect(batch.status == .ok)
                let results = try hub.decode(HubAPI.BatchResult.self, batch).results
                #expect(results.map(\.status) == [.rejected])
                #expect(results.first?.reason?.hasPrefix("invalid-input: model update touches item 1000000") == true, "\(results)")

                let counts = try await core.store.counts(nowMs: clock.now, activeWindowMs: 60_000)
                #expect(counts.modelUpdatesReceived == 0 && counts.modelUpdatesPending == 0)
            }
        }
    }

    @Test(
        "a hub restarted with fewer items: pending updates past the cap count as rejected; stored rows past it stop the start",
        arguments: Backend.available)
    func restartPaths(backend: Backend) async throws {
        let clock = TestClock()
        try await Fixture.withStore(backend) { store in
            let wide = Fixture.core(store: store, clock: clock, engine: try Self.engine(items: 100))
            let key = NodeIdentity.generate()
            let twinID = try key.twin(forUser: "alice").twinID
            _ = try await wide.enrol(twinID: twinID, userID: "alice", publicKeyHex: key.publicKeyHex, metadata: [:])
            let twin = try #require(try await store.twin(id: twinID))
            func push(_ item: Int, offset: Int64) async throws {
                let envelope = try SignedEnvelope.sign(
                    try Self.update(twinID: twinID, item: item), kind: .modelUpdate,
                    stamp: Fixture.stamp(key, clock, offsetMs: offset), identity: key)
                #expect(try await wide.push([envelope], twin: twin, kinds: [.modelUpdate]).map(\.status) == [.accepted])
            }
            // Accepted under 100 items, then the hub restarts with 50: the round refuses it.
            try await push(70, offset: 0)
            let narrow = Fixture.core(store: store, clock: clock, engine: try Self.engine(items: 50))
            try await narrow.checkStoredModel()  // nothing published yet
            let refused = try await narrow.aggregate()
            #expect(refused.modelVersion == 0 && refused.updatesUsed == 1 && refused.updatesRejected == 1)

            // Published under 100 items: a start with 50 items or another rank is refused, naming the setting.
            try await push(71, offset: 1)  // another payload: the same one would be a duplicate
            let published = try await wide.aggregate()
            #expect(published.modelVersion == 1 && published.updatesUsed == 1)
            try await wide.checkStoredModel()
            await #expect {
                try await narrow.checkStoredModel()
            } throws: { error in
                guard let error = error as? HiveError, error.code == .inconsistent else { return false }
                return error.message.contains("item \"71\"") && error.message.contains("modelItems 50")
            }
            let otherRank = Fixture.core(store: store, clock: clock, engine: try Self.engine(items: 100, rank: 8))
            await #expect {
                try await otherRank.checkStoredModel()
            } throws: { error in
                guard let error = error as? HiveError, error.code == .inconsistent else { return false }
                return error.message.contains("rank 4") && error.message.contains("modelRank is 8")
            }
        }
    }
}
