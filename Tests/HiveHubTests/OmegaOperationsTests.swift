import Foundation
import HiveCore
import HiveLearning
import Testing

@testable import HiveHub

/// The operations the MCP omega tools added to the core: operator enrolment, the distribution
/// plan and the consensus status of a pattern.
@Suite("OmegaCore operations (enrol, distribution, consensus status)")
struct OmegaOperationsTests {
    /// A core on a fresh SQLite store with the learning engine; 3 twins enrolled.
    func withCore(_ body: (OmegaCore, TestClock, [NodeIdentity]) async throws -> Void) async throws {
        let clock = TestClock()
        let engine = try LearningAggregationEngine(configuration: LearningEngineConfiguration(itemCount: 20, rank: 4))
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: clock, engine: engine)
            var keys: [NodeIdentity] = []
            for user in ["alice", "bob", "carol"] {
                let key = NodeIdentity.generate()
                let twin = try key.twin(forUser: user)
                _ = try await core.enrol(
                    twinID: twin.twinID, userID: user, publicKeyHex: key.publicKeyHex, metadata: ["via": "test"])
                keys.append(key)
            }
            try await body(core, clock, keys)
        }
    }

    /// Each twin pushes the same signed pattern; a round consolidates it.
    func consolidate(_ core: OmegaCore, _ clock: TestClock, _ keys: [NodeIdentity]) async throws -> ConsolidatedPattern
    {
        for (index, (key, user)) in zip(keys, ["alice", "bob", "carol"]).enumerated() {
            let twin = try #require(try await core.store.twin(id: try key.twin(forUser: user).twinID))
            let envelope = try SignedEnvelope.sign(
                Fixture.pattern(id: "p-\(index)", key, clock), kind: .pattern, stamp: Fixture.stamp(key, clock),
                identity: key)
            let results = try await core.push([envelope], twin: twin, kinds: OmegaCore.acceptedKinds)
            #expect(results.map(\.status) == [.accepted])
        }
        clock.advance(ms: 10)
        let record = try await core.aggregate()
        #expect(record.patternsConsolidated == 1)
        return try #require(try await core.store.consolidatedPatterns(sinceRound: 0, priority: nil, limit: 10).first)
    }

    @Test(
        "enrol: the id must be the twin of user + key; re-enrolling returns the record; bad key and blocked twin refused"
    )
    func enrolment() async throws {
        try await withCore { core, clock, keys in
            let alice = try keys[0].twin(forUser: "alice")
            let again = try await core.enrol(
                twinID: alice.twinID, userID: "alice", publicKeyHex: keys[0].publicKeyHex, metadata: [:])
            #expect(again.id == alice.twinID && again.metadata == ["via": "test"])
            // Another user's id on this key.
            await #expect(throws: HiveError.self) {
                try await core.enrol(
                    twinID: alice.twinID, userID: "mallory", publicKeyHex: keys[0].publicKeyHex, metadata: [:])
            }
            do {
                _ = try await core.enrol(twinID: alice.twinID, userID: "alice", publicKeyHex: "zz", metadata: [:])
                Issue.record("a malformed key was accepted")
            } catch let error as HiveError {
                #expect(error.code == .invalidInput && error.message.contains("publicKey"))
            }
            _ = try await core.store.setBlocked(twinID: alice.twinID, blocked: true, nowMs: clock.now)
            await #expect(throws: (any Error).self) {
                try await core.enrol(
                    twinID: alice.twinID, userID: "alice", publicKeyHex: keys[0].publicKeyHex, metadata: [:])
            }
            // The enrolled twin authenticates with its own key through the normal challenge flow.
            let bob = NodeIdentity.generate()
            let bobTwin = try bob.twin(forUser: "bob")
            _ = try await core.enrol(
                twinID: bobTwin.twinID, userID: "bob", publicKeyHex: bob.publicKeyHex, metadata: [:])
            let challenge = try await core.challenge()
            let registered = try await core.register(
                try Registration.Request.signed(
                    identity: bob, userID: "bob", metadata: [:], challenge: challenge.challenge))
            #expect(registered.twinID == bobTwin.twinID)
        }
    }

    @Test(
        "distribution: signed package verifies under the hub key; per-viewer pending follows the last sync; unknown ids named"
    )
    func distribution() async throws {
        try await withCore { core, clock, keys in
            let empty = try await core.distribution(viewerIDs: nil, priority: .low)
            #expect(empty.package.patterns.isEmpty && empty.viewers.count == 3)
            let consolidated = try await consolidate(core, clock, keys)
            let plan = try await core.distribution(viewerIDs: nil, priority: .low)
            #expect(plan.package.patterns.map(\.id) == [consolidated.id])
            try plan.signature.verify(
                plan.package, domain: SyncPull.signatureDomain, hubPublicKey: Fixture.hubKey.publicKey)
            // Pushing stamped every twin's last sync before the round: all three still miss the pattern.
            #expect(plan.viewers.allSatisfy { $0.pendingPatterns == 1 && $0.pendingPatternIDs == [consolidated.id] })
            // Alice syncs after the round: nothing pending for her.
            clock.advance(ms: 10)
            let alice = try #require(try await core.store.twin(id: try keys[0].twin(forUser: "alice").twinID))
            _ = try await core.sync(try OmegaSyncRequest(type: .pull, since: 0, envelopes: []), twin: alice)
            let after = try await core.distribution(viewerIDs: [alice.id], priority: .low)
            #expect(after.viewers.map(\.pendingPatterns) == [0])
            // A priority above the pattern's leaves it out.
            if consolidated.priority != .high {
                #expect(try await core.distribution(viewerIDs: nil, priority: .high).package.patterns.isEmpty)
            }
            do {
                _ = try await core.distribution(viewerIDs: [alice.id, "tw_nobody"], priority: .low)
                Issue.record("an unknown viewer id was accepted")
            } catch let error as HiveError {
                #expect(error.code == .notFound && error.message.contains("tw_nobody"))
            }
            await #expect(throws: HiveError.self) { try await core.distribution(viewerIDs: nil, limit: 0) }
        }
    }

    @Test("consensus status: not consolidated → consolidated with votes → pruned")
    func consensus() async throws {
        try await withCore { core, clock, keys in
            let before = try await core.consensusStatus(patternID: "cp-unknown")
            #expect(before.state == .notConsolidated && before.pattern == nil)
            let consolidated = try await consolidate(core, clock, keys)
            let status = try await core.consensusStatus(patternID: consolidated.id)
            #expect(status.state == .consolidated && status.pattern?.voters == 3 && status.consolidatedAt != nil)
            _ = try await core.store.prune(minQuality: 1, maxAgeMs: nil, nowMs: clock.now)
            let pruned = try await core.consensusStatus(patternID: consolidated.id)
            #expect(pruned.state == .pruned)
            await #expect(throws: HiveError.self) { try await core.consensusStatus(patternID: "") }
        }
    }
}
