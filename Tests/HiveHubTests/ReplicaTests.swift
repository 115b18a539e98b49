import Foundation
import HiveCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HiveHub

/// Two hub replicas (two processes' worth of pools, one hub key) on one PostgreSQL database.
@Suite("Hub replicas on PostgreSQL")
struct ReplicaTests {
    static var enabled: Bool {
        if Backend.postgresURL == nil {
            print("⚠️  HIVE_TEST_POSTGRES_URL is not set: the two-replica PostgreSQL test is SKIPPED")
            return false
        }
        return true
    }

    @Test("a token from replica A works on B; B's SSE stream carries events written through A", .enabled(if: enabled))
    func sharedEvents() async throws {
        let clock = TestClock()
        let hubKey = NodeIdentity.generate()
        try await Fixture.withPostgresReplicas { storeA, storeB in
            let coreA = Fixture.core(store: storeA, clock: clock, hubKey: hubKey)
            let coreB = Fixture.core(store: storeB, clock: clock, hubKey: hubKey)
            try await Fixture.application(core: coreA).test(.live) { clientA in
                try await Fixture.application(core: coreB).test(.live) { clientB in
                    let a = HubClient(client: clientA)
                    let b = HubClient(client: clientB)
                    let twin = try await a.register()
                    let trace = try Fixture.trace(id: "replica-1", intent: "shared intent", instance: twin.twinID)
                    let envelope = try SignedEnvelope.sign(
                        trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                    #expect(try await a.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)).status == .created)
                    // Replay through the other replica: still a duplicate (the dedupe memory is the shared table).
                    try expectProblem(
                        try await b.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)), .duplicate, b)
                    let stream = try await b.send(.get, "/api/v1/events?maxEvents=2", token: twin.token)
                    let text = String(buffer: stream.body)
                    #expect(text.contains("event: twin.registered"))
                    #expect(text.contains("event: skill.published"))
                }
            }
        }
    }

    @Test(
        "an event written through replica A reaches an SSE client of replica B at once (LISTEN/NOTIFY; polling set to 60 s)",
        .enabled(if: enabled))
    func notifyAcrossReplicas() async throws {
        let clock = TestClock()
        let hubKey = NodeIdentity.generate()
        try await Fixture.withPostgresReplicas { storeA, storeB in
            let deadline = ContinuousClock.now + .seconds(20)
            while !(storeA.isListeningForFeed && storeB.isListeningForFeed) {
                guard ContinuousClock.now < deadline else {
                    Issue.record("the replicas' feed listeners did not subscribe")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            // Polling alone would take a minute: only the NOTIFY can deliver within the bound below.
            let slowPoll: (inout HubConfiguration) -> Void = { $0.eventPollIntervalMs = 60_000 }
            let coreA = Fixture.core(store: storeA, clock: clock, configure: slowPoll, hubKey: hubKey)
            let coreB = Fixture.core(store: storeB, clock: clock, configure: slowPoll, hubKey: hubKey)
            try await Fixture.application(core: coreA).test(.live) { clientA in
                try await Fixture.application(core: coreB).test(.live) { clientB in
                    let a = HubClient(client: clientA)
                    let b = HubClient(client: clientB)
                    let twin = try await a.register()
                    for round in 1...3 {
                        let head = try await storeB.feed(after: 0, kinds: nil, twinID: nil, limit: 1000).last?.seq ?? 0
                        let started = ContinuousClock.now
                        async let streamed = b.send(.get, "/api/v1/events?maxEvents=1&lastEventId=\(head)", token: twin.token)
                        // Let B's stream read the (caught-up) feed and start waiting.
                        try await Task.sleep(for: .milliseconds(300))
                        let trace = try Fixture.trace(id: "notify-\(round)", intent: "notify \(round)", instance: twin.twinID)
                        let envelope = try SignedEnvelope.sign(
                            trace, kind: .skillTrace, stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
                        #expect(try await a.send(.post, "/api/v1/skills", token: twin.token, body: try HubClient.json(envelope)).status == .created)
                        let text = String(buffer: try await streamed.body)
                        let elapsed = ContinuousClock.now - started
                        #expect(text.contains("event: skill.published"))
                        #expect(FeedSignalTests.tracePayloads(text).contains { $0.contains("\"notify-\(round)\"") })
                        #expect(elapsed < .seconds(10), "event took \(elapsed) to cross replicas")
                    }
                }
            }
        }
    }

    @Test("only one replica runs an aggregation round at a time (advisory lock)", .enabled(if: enabled))
    func oneRoundAtATime() async throws {
        try await Fixture.withPostgresReplicas { storeA, storeB in
            let now: Int64 = 1_800_000_000_000
            let slow = Task {
                try await storeA.runRound(nowMs: now) { _ in
                    // Hold the round open while the other replica tries.
                    Thread.sleep(forTimeInterval: 0.6)
                    return RoundOutput(consolidated: [], modelDelta: nil, reputations: [:], consumed: [], patternsConsidered: 0)
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            let contender = try await storeB.runRound(nowMs: now) { _ in
                RoundOutput(consolidated: [], modelDelta: nil, reputations: [:], consumed: [], patternsConsidered: 0)
            }
            let first = try await slow.value
            #expect(first.ran && first.round == 1)
            #expect(!contender.ran)
            // Once the lock is free, the other replica runs the next round.
            let next = try await storeB.runRound(nowMs: now) { _ in
                RoundOutput(consolidated: [], modelDelta: nil, reputations: [:], consumed: [], patternsConsidered: 0)
            }
            #expect(next.ran && next.round == 2)
        }
    }
}
