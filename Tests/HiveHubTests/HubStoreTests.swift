import Foundation
import HiveCore
import Testing

@testable import HiveHub

/// One suite, run against every available backend (SQLite always, PostgreSQL when
/// HIVE_TEST_POSTGRES_URL is set).
@Suite("HubStore shared suite")
struct HubStoreTests {
    static let now: Int64 = 1_800_000_000_000

    static func twin(_ id: String, key: NodeIdentity = .generate()) -> TwinRecord {
        TwinRecord(id: id, publicKey: key.publicKeyHex, userID: "user-\(id)", metadata: ["k": "v"], registeredAt: now)
    }

    static func register(_ store: any HubStore, _ twin: TwinRecord) async throws {
        let challenge = "challenge-\(twin.id)"
        try await store.insertChallenge(challenge, expiresAt: now + 60_000, nowMs: Self.now - 10)
        _ = try await store.register(twin, challenge: challenge, nowMs: now)
    }

    @Test("a challenge registers once; used, unknown and expired challenges change nothing", arguments: Backend.available)
    func registration(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let twin = Self.twin("t1")
            try await store.insertChallenge("c1", expiresAt: Self.now + 1000, nowMs: Self.now - 10)
            let stored = try await store.register(twin, challenge: "c1", nowMs: Self.now)
            #expect(stored == twin)
            #expect(try await store.twin(id: "t1") == twin)
            await #expect(throws: HiveError.self) { try await store.register(twin, challenge: "c1", nowMs: Self.now) }
            await #expect(throws: HiveError.self) { try await store.register(Self.twin("t2"), challenge: "nope", nowMs: Self.now) }
            try await store.insertChallenge("c2", expiresAt: Self.now, nowMs: Self.now - 10)
            await #expect(throws: ChallengeExpired.self) {
                try await store.register(Self.twin("t3"), challenge: "c2", nowMs: Self.now + 1)
            }
            #expect(try await store.twin(id: "t2") == nil)
            #expect(try await store.twin(id: "t3") == nil)
            let counts = try await store.counts(nowMs: Self.now, activeWindowMs: 1000)
            #expect(counts.twinsTotal == 1)
            // The same twin registering again with a fresh challenge gets its existing record.
            try await store.insertChallenge("c4", expiresAt: Self.now + 1000, nowMs: Self.now - 10)
            #expect(try await store.register(twin, challenge: "c4", nowMs: Self.now + 5) == twin)
        }
    }

    @Test("ingest dedupes by envelope id and trace id, and counts once", arguments: Backend.available)
    func ingest(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let key = NodeIdentity.generate()
            let twin = Self.twin("t1", key: key)
            try await Self.register(store, twin)
            let clock = TestClock(Self.now)
            let trace = try Fixture.trace(id: "trace-1", intent: "find a thriller for tonight", instance: "t1")
            let skill = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(key, clock), identity: key)
            let pattern = try SignedEnvelope.sign(
                Fixture.pattern(id: "p1", key, clock), kind: .pattern, stamp: Fixture.stamp(key, clock), identity: key)
            let first = try await store.ingest(
                [IngestItem(envelope: skill, skill: trace), IngestItem(envelope: pattern)], twinID: "t1", rejected: 1, nowMs: Self.now)
            #expect(first == [.accepted, .accepted])
            let again = try await store.ingest(
                [IngestItem(envelope: skill, skill: trace), IngestItem(envelope: pattern)], twinID: "t1", rejected: 0, nowMs: Self.now)
            #expect(again == [.duplicate, .duplicate])
            // Same trace id in a different envelope: refused as a duplicate trace.
            var retitled = trace
            retitled.result = "different result"
            let other = try SignedEnvelope.sign(retitled, kind: .skillTrace, stamp: Fixture.stamp(key, clock), identity: key)
            #expect(try await store.ingest([IngestItem(envelope: other, skill: retitled)], twinID: "t1", rejected: 0, nowMs: Self.now)
                == [.duplicateTrace("trace-1")])
            let stored = try #require(try await store.twin(id: "t1"))
            #expect(stored.acceptedCount == 2)
            #expect(stored.rejectedCount == 2)  // 1 passed in + 1 duplicate trace id
            #expect(stored.lastSyncAt == Self.now)
            let skills = try await store.skills(limit: 10)
            #expect(skills.map(\.traceID) == ["trace-1"])
            #expect(skills.first?.envelope == skill)
            let feed = try await store.feed(after: 0, kinds: [.skillPublished], twinID: nil, limit: 10)
            #expect(feed.map(\.ref) == ["trace-1"])
            let counts = try await store.counts(nowMs: Self.now, activeWindowMs: 1000)
            #expect(counts.patternsReceived == 1 && counts.patternsPending == 1 && counts.skills == 1)
            let instances = try await store.instances()
            #expect(instances.first?.traceCount == 1)
        }
    }

    @Test("feed is ordered, filtered by kind and by twin", arguments: Backend.available)
    func feed(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            try await Self.register(store, Self.twin("a"))
            try await Self.register(store, Self.twin("b"))
            _ = try await store.setBlocked(twinID: "b", blocked: true, nowMs: Self.now)
            let all = try await store.feed(after: 0, kinds: nil, twinID: nil, limit: 100)
            #expect(all.map(\.kind) == [.twinRegistered, .twinRegistered, .twinBlocked])
            #expect(all.map(\.seq) == all.map(\.seq).sorted())
            let forA = try await store.feed(after: 0, kinds: nil, twinID: "a", limit: 100)
            #expect(forA.map(\.ref) == ["a"])
            let after = try await store.feed(after: all[1].seq, kinds: nil, twinID: nil, limit: 100)
            #expect(after.map(\.kind) == [.twinBlocked])
            #expect(try await store.twin(id: "b")?.blocked == true)
            await #expect(throws: HiveError.self) { try await store.setBlocked(twinID: "zz", blocked: true, nowMs: Self.now) }
            let page = try await store.twins(after: "a", limit: 10)
            #expect(page.map(\.id) == ["b"])
        }
    }

    @Test("a round applies in one transaction; a failing round applies nothing", arguments: Backend.available)
    func round(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let key = NodeIdentity.generate()
            try await Self.register(store, Self.twin("t1", key: key))
            let clock = TestClock(Self.now)
            let pattern = try Fixture.pattern(id: "p1", key, clock)
            let envelope = try SignedEnvelope.sign(pattern, kind: .pattern, stamp: Fixture.stamp(key, clock), identity: key)
            _ = try await store.ingest([IngestItem(envelope: envelope)], twinID: "t1", rejected: 0, nowMs: Self.now)
            let before = try await store.counts(nowMs: Self.now, activeWindowMs: 1000)

            struct Boom: Error {}
            await #expect(throws: (any Error).self) {
                try await store.runRound(nowMs: Self.now) { input in
                    #expect(input.patterns.count == 1)
                    throw Boom()
                }
            }
            // An engine output that breaks an invariant also aborts the whole round.
            await #expect(throws: HiveError.self) {
                try await store.runRound(nowMs: Self.now) { input in
                    RoundOutput(
                        consolidated: [], modelDelta: try ModelRowsDelta(version: 7, dimension: 2, rows: []),
                        reputations: [:], consumed: input.patterns.map(\.envelopeID), patternsConsidered: 1)
                }
            }
            #expect(try await store.counts(nowMs: Self.now, activeWindowMs: 1000) == before)

            let record = try await store.runRound(nowMs: Self.now) { input in
                let contributed = try input.patterns.map { try HiveJSON.decode(Pattern.self, from: $0.payload) }
                var merged = contributed[0]
                merged.origin = .global
                return RoundOutput(
                    consolidated: [
                        try ConsolidatedPattern(
                            id: "cluster-1", pattern: merged, priority: .high, voters: contributed.count, agreement: 1,
                            quality: 0.75, round: input.round)
                    ],
                    modelDelta: try ModelRowsDelta(version: input.modelVersion + 1, dimension: 2, rows: [.init(item: "m1", vector: [0.5, -1])]),
                    reputations: ["t1": 0.6], consumed: input.patterns.map(\.envelopeID), patternsConsidered: contributed.count)
            }
            #expect(record.ran && record.round == 1 && record.patternsConsolidated == 1 && record.modelVersion == 1)
            let after = try await store.counts(nowMs: Self.now, activeWindowMs: 1000)
            #expect(after.patternsPending == 0 && after.patternsConsolidated == 1 && after.modelVersion == 1 && after.rounds == 1)
            #expect(try await store.twin(id: "t1")?.reputation == 0.6)
            #expect(try await store.modelRows(sinceVersion: 0, limit: 10) == [.init(item: "m1", vector: [0.5, -1])])
            #expect(try await store.modelRows(sinceVersion: 1, limit: 10).isEmpty)
            let version = try await store.modelVersion()
            #expect(version.version == 1 && version.dimension == 2)
            let patterns = try await store.consolidatedPatterns(sinceRound: 0, priority: .high, limit: 10)
            #expect(patterns.map(\.id) == ["cluster-1"])
            #expect(try await store.consolidatedPatterns(sinceRound: 0, priority: .low, limit: 10).isEmpty)
            let published = try await store.feed(after: 0, kinds: FeedEvent.Kind.pullable, twinID: nil, limit: 10)
            #expect(published.map(\.kind) == [.patternConsolidated, .modelPublished])

            // Prune by quality removes the consolidated pattern and its feed entry.
            let pruned = try await store.prune(minQuality: 0.8, maxAgeMs: nil, nowMs: Self.now)
            #expect(pruned.patternsRemoved == 1)
            #expect(try await store.feed(after: 0, kinds: [.patternConsolidated], twinID: nil, limit: 10).isEmpty)
        }
    }

    @Test("rank orders twins by reputation", arguments: Backend.available)
    func rank(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            try await Self.register(store, Self.twin("a"))
            try await Self.register(store, Self.twin("b"))
            #expect(try await store.rank(twinID: "a") == 1)
            #expect(try await store.rank(twinID: "b") == 2)
            _ = try await store.runRound(nowMs: Self.now) { _ in
                RoundOutput(consolidated: [], modelDelta: nil, reputations: ["b": 0.9], consumed: [], patternsConsidered: 0)
            }
            #expect(try await store.rank(twinID: "b") == 1)
            await #expect(throws: HiveError.self) { try await store.rank(twinID: "nobody") }
        }
    }
}
