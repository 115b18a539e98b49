import Foundation
import HiveCore
import HiveLearning
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// `/stats` reports distribution latency (issue 8): publish → delivery of consolidated items.
@Suite("Distribution latency in /stats")
struct DistributionLatencyTests {
    @Test("a pull 2 s after a round delivers the pattern 2 000 ms late; a twin registered later counts from its registration")
    func publishToDelivery() async throws {
        let clock = TestClock()
        let engine = try LearningAggregationEngine(configuration: try LearningEngineConfiguration(itemCount: 20, rank: 4))
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, engine: engine)
            try await Fixture.application(core: core).test(.router) { client in
                let hub = HubClient(client: client)
                func stats() async throws -> HubAPI.Stats {
                    try hub.decode(HubAPI.Stats.self, try await hub.send(.get, "/api/v1/stats", token: Fixture.adminSecret))
                }
                var twins: [(identity: NodeIdentity, twinID: String, token: String)] = []
                for user in ["alice", "bob", "carol"] { twins.append(try await hub.register(user: user)) }
                for (index, twin) in twins.enumerated() {
                    let pattern = try SignedEnvelope.sign(
                        Fixture.pattern(id: "p-\(index)", twin.identity, clock), kind: .pattern,
                        stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                    let request = try OmegaSyncRequest(type: .push, since: 0, envelopes: [pattern])
                    #expect(try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request)).status == .ok)
                }
                #expect(try await stats().process.meanDistributionLatencyMs == nil, "nothing delivered yet")
                let round = try hub.decode(RoundRecord.self, try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret))
                #expect(round.patternsConsolidated == 1)
                clock.advance(ms: 2000)
                let pull = try HubClient.json(try OmegaSyncRequest(type: .pull, since: 0))
                let first = try hub.decode(
                    OmegaSyncResponse.self, try await hub.send(.post, "/api/v1/sync", token: twins[0].token, body: pull))
                #expect(first.pull?.patterns.count == 1)
                #expect(try await stats().process.meanDistributionLatencyMs == 2000)
                // A twin registering 8 s after publication and pulling at once: ~0 ms, not 8 s.
                clock.advance(ms: 8000)
                let late = try await hub.register(user: "dave")
                _ = try await hub.send(.post, "/api/v1/sync", token: late.token, body: pull)
                #expect(try await stats().process.meanDistributionLatencyMs == 1000)
            }
        }
    }
}
