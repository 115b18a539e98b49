import Foundation
import HiveCore
import HiveLedger
import HiveLedgerStorage
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import HiveHub

/// A small deterministic engine for these tests (no engine ships in HiveHub): each round
/// consolidates every pending pattern as-is and publishes a one-row model version.
struct ConsolidatingEngine: AggregationEngine {
    var name: String { "test-consolidating" }
    func validateModelUpdate(_ payload: [UInt8]) throws {}
    func round(_ input: RoundInput) throws -> RoundOutput {
        let consolidated = try input.patterns.map { pending in
            var pattern = try HiveJSON.decode(Pattern.self, from: pending.payload)
            pattern.origin = .global
            return try ConsolidatedPattern(
                id: "c-" + pending.envelopeID.prefix(12), pattern: pattern, priority: .high, voters: 1, agreement: 1,
                quality: 0.8, round: input.round)
        }
        let delta = try ModelRowsDelta(
            version: input.modelVersion + 1, dimension: 2, rows: [.init(item: "m\(input.round)", vector: [0.25, -0.5])])
        return RoundOutput(
            consolidated: consolidated, modelDelta: delta, reputations: [:], consumed: input.patterns.map(\.envelopeID),
            patternsConsidered: input.patterns.count)
    }
}

/// The hub's ledger wiring (issue 9), on every available backend.
@Suite("Hub ledger wiring")
struct LedgerWiringTests {
    static let now: Int64 = 1_800_000_000_000
    static var hubPublicKey: [UInt8] { Fixture.hubKey.publicKey }

    static func entries(_ store: any HubStore) async throws -> [HubLedgerEntry] {
        let size = try await store.ledger.size()
        guard size > 0 else { return [] }
        return try await store.ledger.entries(in: 0..<size).map(HubLedgerEntry.decode)
    }

    @Test("every decision is a ledger entry written in the store's transaction; receipts verify; replays add nothing",
          arguments: Backend.available)
    func storeWiring(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let key = NodeIdentity.generate()
            try await HubStoreTests.register(store, HubStoreTests.twin("t1", key: key))
            #expect(try await store.ledger.size() == 0)
            let clock = TestClock(Self.now)
            let trace = try Fixture.trace(id: "trace-1", intent: "find a thriller for tonight", instance: "t1")
            let skill = try SignedEnvelope.sign(trace, kind: .skillTrace, stamp: Fixture.stamp(key, clock), identity: key)
            let pattern = try SignedEnvelope.sign(
                Fixture.pattern(id: "p1", key, clock), kind: .pattern, stamp: Fixture.stamp(key, clock), identity: key)
            let report = try await store.ingestWithReceipts(
                [IngestItem(envelope: skill, skill: trace), IngestItem(envelope: pattern)], twinID: "t1", rejected: 0,
                nowMs: Self.now)
            #expect(report.outcomes == [.accepted, .accepted])
            // envelope(skill), skill publication, envelope(pattern)
            #expect(try await store.ledger.size() == 3)
            #expect(try await Self.entries(store).map(\.kind) == [.envelope, .skill, .envelope])
            for (envelope, receipt) in zip([skill, pattern], report.receipts) {
                let receipt = try #require(receipt)
                let entry = try HubLedgerEntry.envelope(envelope, twinID: "t1").encoded()
                try receipt.check(entry: entry, publicKey: Self.hubPublicKey)
                // The receipt is for this twin's envelope only.
                #expect(!receipt.verify(entry: try HubLedgerEntry.envelope(envelope, twinID: "t2").encoded(), publicKey: Self.hubPublicKey))
                #expect(!receipt.verify(entry: entry, publicKey: key.publicKey))
            }
            #expect(report.receipts[0]?.leafIndex == 0 && report.receipts[1]?.leafIndex == 2)

            // A replayed envelope is a duplicate: no ledger entry, no receipt.
            let replay = try await store.ingestWithReceipts(
                [IngestItem(envelope: pattern)], twinID: "t1", rejected: 0, nowMs: Self.now + 1)
            #expect(replay.outcomes == [.duplicate] && replay.receipts == [nil])
            #expect(try await store.ledger.size() == 3)

            // A failed round rolls its ledger entries back with everything else.
            struct Boom: Error {}
            await #expect(throws: (any Error).self) {
                try await store.runRound(nowMs: Self.now + 2) { _ in throw Boom() }
            }
            #expect(try await store.ledger.size() == 3)

            let before = try #require(try await store.ledger.latestTreeHead())
            let engine = ConsolidatingEngine()
            let record = try await store.runRound(nowMs: Self.now + 3) { try engine.round($0) }
            #expect(record.ran && record.patternsConsolidated == 1)
            let logged = try await Self.entries(store)
            #expect(logged.count == 5)
            let round = logged[3]
            #expect(round.kind == .round && round.ref == "1" && round.modelVersion == 1)
            #expect(round.inputs == [pattern.id])
            #expect(round.modelHash?.count == 64)
            #expect(logged[4].kind == .pattern && logged[4].round == 1 && logged[4].dataHash?.count == 64)

            // The head after the round extends the head before it.
            let after = try #require(try await store.ledger.latestTreeHead())
            #expect(after.treeSize == 5 && before.treeSize == 3)
            try after.check(publicKey: Self.hubPublicKey)
            try before.check(publicKey: Self.hubPublicKey)
            let consistency = try await store.ledger.consistencyProof(firstSize: before.treeSize, secondSize: after.treeSize)
            try consistency.check(firstRoot: before.rootHash, secondRoot: after.rootHash)
            #expect(!consistency.verify(firstRoot: after.rootHash, secondRoot: before.rootHash))
            // Old receipts still verify against the new head (path recomputed for the larger tree).
            let inclusion = try await store.ledger.inclusionProof(leafIndex: 0, treeSize: after.treeSize)
            try inclusion.check(
                leafHash: Merkle.leafHash(try HubLedgerEntry.envelope(skill, twinID: "t1").encoded()), rootHash: after.rootHash)

            // Blocklist decisions are logged once per change.
            _ = try await store.setBlocked(twinID: "t1", blocked: true, nowMs: Self.now + 4)
            _ = try await store.setBlocked(twinID: "t1", blocked: true, nowMs: Self.now + 5)
            await #expect(throws: HiveError.self) { try await store.setBlocked(twinID: "ghost", blocked: true, nowMs: Self.now + 6) }
            let final = try await Self.entries(store)
            #expect(final.count == 6)
            #expect(final[5].kind == .blocklist && final[5].ref == "t1" && final[5].blocked == true)

            let audit = try await LedgerAuditor(publicKey: Self.hubPublicKey).audit(store.ledger)
            #expect(audit.entries == 6 && audit.treeHeads == 3)  // heads at sizes 3 (ingest), 5 (round), 6 (blocklist)
        }
    }

    /// Runs `body` against an in-process hub with the test engine; SQLite gets a data directory
    /// the body can audit as `hive ledger verify --data DIR` does.
    func withHub(
        _ backend: Backend, _ body: @escaping @Sendable (HubClient, OmegaCore, TestClock, String?) async throws -> Void
    ) async throws {
        let clock = TestClock(Self.now)
        let run: (any HubStore, String?) async throws -> Void = { store, directory in
            let core = Fixture.core(store: store, clock: clock, engine: ConsolidatingEngine())
            try await Fixture.application(core: core).test(.router) { client in
                try await body(HubClient(client: client), core, clock, directory)
            }
        }
        switch backend {
        case .sqlite:
            let directory = try Fixture.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let store = try SQLiteHubStore(path: directory + "/hub.sqlite", ledgerSigner: Fixture.hubKey)
            try await store.migrate()
            try await run(store, directory)
        case .postgres:
            try await Fixture.withStore(.postgres) { store in try await run(store, nil) }
        }
    }

    struct SyncReceipts: Decodable {
        var receipts: [String: InclusionReceipt]
    }

    @Test("sync answers carry receipts; /ledger routes serve heads, proofs and entries; the data dir audits clean",
          arguments: Backend.available)
    func apiWiring(backend: Backend) async throws {
        try await withHub(backend) { hub, core, clock, directory in
            let twin = try await hub.register()
            let patterns = try (1...3).map { index in
                try SignedEnvelope.sign(
                    Fixture.pattern(id: "p\(index)", twin.identity, clock), kind: .pattern,
                    stamp: Fixture.stamp(twin.identity, clock), identity: twin.identity)
            }
            let request = try OmegaSyncRequest(type: .full, since: 0, envelopes: patterns, maxPullCount: 10)
            let response = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request))
            #expect(response.status == .ok)
            #expect(try hub.decode(OmegaSyncResponse.self, response).results.map(\.status) == [.accepted, .accepted, .accepted])
            let receipts = try hub.decode(SyncReceipts.self, response).receipts
            #expect(Set(receipts.keys) == Set(patterns.map(\.id)))
            for envelope in patterns {
                let receipt = try #require(receipts[envelope.id])
                try receipt.check(entry: try HubLedgerEntry.envelope(envelope, twinID: twin.twinID).encoded(), publicKey: core.identity.identity.publicKey)
            }

            // A replay: duplicate, no receipt, the log does not grow.
            let sizeAfterSync = try await core.store.ledger.size()
            let replay = try await hub.send(.post, "/api/v1/sync", token: twin.token, body: try HubClient.json(request))
            #expect(try hub.decode(OmegaSyncResponse.self, replay).results.map(\.status) == [.duplicate, .duplicate, .duplicate])
            #expect(try hub.decode(SyncReceipts.self, replay).receipts.isEmpty)
            #expect(try await core.store.ledger.size() == sizeAfterSync)

            let sthBefore = try hub.decode(SignedTreeHead.self, try await hub.send(.get, "/api/v1/ledger/sth"))
            try sthBefore.check(publicKey: core.identity.identity.publicKey)
            #expect(sthBefore.treeSize == sizeAfterSync)

            clock.advance(ms: 1000)
            #expect(try await hub.send(.post, "/api/v1/aggregate", token: Fixture.adminSecret).status == .ok)
            let sth = try hub.decode(SignedTreeHead.self, try await hub.send(.get, "/api/v1/ledger/sth"))
            try sth.check(publicKey: core.identity.identity.publicKey)
            #expect(sth.treeSize == sizeAfterSync + 1 + 3)  // round + three consolidated patterns
            #expect(sth.timestampMs >= sthBefore.timestampMs)

            let consistency = try hub.decode(
                ConsistencyProof.self,
                try await hub.send(.get, "/api/v1/ledger/proof/consistency?first=\(sthBefore.treeSize)&second=\(sth.treeSize)"))
            try consistency.check(firstRoot: sthBefore.rootHash, secondRoot: sth.rootHash)

            let page = try hub.decode(
                HubAPI.LedgerEntriesPage.self, try await hub.send(.get, "/api/v1/ledger/entries?start=0&end=\(sth.treeSize)"))
            #expect(page.entries.map(\.index) == Array(0..<sth.treeSize))
            let bytes = try page.entries.map { try #require(Data(base64Encoded: $0.data)).map { $0 } }
            #expect(try bytes.map { try HubLedgerEntry.decode($0).kind } == [.envelope, .envelope, .envelope, .round, .pattern, .pattern, .pattern])
            var tree = MerkleTree()
            for entry in bytes { tree.append(entry: entry) }
            #expect(tree.rootHash == sth.rootHash)
            for leaf in 0..<sth.treeSize {
                let proof = try hub.decode(
                    InclusionProof.self, try await hub.send(.get, "/api/v1/ledger/proof/inclusion?leaf=\(leaf)&size=\(sth.treeSize)"))
                try proof.check(leafHash: Merkle.leafHash(bytes[Int(leaf)]), rootHash: sth.rootHash)
            }

            // Bad parameters: 400; beyond the tree: 404 (problem+json).
            for uri in [
                "/api/v1/ledger/proof/inclusion?leaf=1", "/api/v1/ledger/proof/inclusion?leaf=x&size=2",
                "/api/v1/ledger/proof/inclusion?leaf=3&size=3", "/api/v1/ledger/proof/inclusion?leaf=-1&size=3",
                "/api/v1/ledger/proof/consistency?first=5&second=2", "/api/v1/ledger/proof/consistency?first=1",
                "/api/v1/ledger/entries?start=4&end=4", "/api/v1/ledger/entries?start=0&end=100000",
                "/api/v1/ledger/entries?start=0&end=99999999999999999999999",
            ] {
                try expectProblem(try await hub.send(.get, uri), .invalidInput, hub)
            }
            let beyond = sth.treeSize + 1
            for uri in [
                "/api/v1/ledger/proof/inclusion?leaf=0&size=\(beyond)", "/api/v1/ledger/proof/consistency?first=1&second=\(beyond)",
                "/api/v1/ledger/entries?start=0&end=\(beyond)",
            ] {
                try expectProblem(try await hub.send(.get, uri), .notFound, hub)
            }

            // What `hive ledger verify` checks.
            let audit: LedgerAuditReport
            if let directory {
                audit = try await LedgerVerification.audit(dataDirectory: directory, publicKey: core.identity.identity.publicKey)
            } else {
                audit = try await LedgerAuditor(publicKey: core.identity.identity.publicKey).audit(core.store.ledger)
            }
            #expect(audit.entries == sth.treeSize && audit.rootHash == sth.rootHash)
        }
    }
}
