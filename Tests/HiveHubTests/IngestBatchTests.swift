import Foundation
import HiveCore
import HiveLedger
import Testing

@testable import HiveHub

/// One group-commit batch written directly (both stores): PostgreSQL writes plain requests with
/// one INSERT and one UPDATE for the whole batch, so the per-request semantics are pinned here.
@Suite("Ingest batches: one transaction, per-request outcomes")
struct IngestBatchTests {
    static let now = HubStoreTests.now

    static func write(_ store: any HubStore, _ requests: [IngestBatch.Request]) async throws -> [Result<IngestReport, any Error>] {
        switch store {
        case let sqlite as SQLiteHubStore: return try await sqlite.writeIngestBatch(requests)
        case let postgres as PostgresHubStore: return try await postgres.writeIngestBatch(requests)
        default: throw HiveError(.unavailable, "no batch writer for \(store.backend)")
        }
    }

    static func pattern(_ id: String, _ key: NodeIdentity, _ clock: TestClock) throws -> IngestItem {
        IngestItem(
            envelope: try SignedEnvelope.sign(
                Fixture.pattern(id: id, key, clock), kind: .pattern, stamp: Fixture.stamp(key, clock), identity: key))
    }

    @Test("duplicates within and across requests, a blocked twin and an unknown twin fail alone, counts per twin", arguments: Backend.available)
    func outcomes(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let (keyA, keyB, keyC) = (NodeIdentity.generate(), NodeIdentity.generate(), NodeIdentity.generate())
            for (id, key) in [("ta", keyA), ("tb", keyB), ("tc", keyC)] { try await HubStoreTests.register(store, HubStoreTests.twin(id, key: key)) }
            _ = try await store.setBlocked(twinID: "tc", blocked: true, nowMs: Self.now)
            let clock = TestClock(Self.now)
            let old = try Self.pattern("p-old", keyA, clock)
            #expect(try await store.ingest([old], twinID: "ta", rejected: 0, nowMs: Self.now) == [.accepted])
            let (a1, a2, b1, c1, ghost) = (
                try Self.pattern("p-a1", keyA, clock), try Self.pattern("p-a2", keyA, clock), try Self.pattern("p-b1", keyB, clock),
                try Self.pattern("p-c1", keyC, clock), try Self.pattern("p-ghost", keyB, clock))
            let results = try await Self.write(store, [
                .init(items: [a1, old, a1], twinID: "ta", rejected: 2, nowMs: Self.now + 1),  // a1 twice in one request
                .init(items: [b1], twinID: "tb", rejected: 0, nowMs: Self.now + 2),
                .init(items: [c1], twinID: "tc", rejected: 0, nowMs: Self.now + 3),  // blocked
                .init(items: [a1, a2], twinID: "ta", rejected: 1, nowMs: Self.now + 4),  // a1 again, in a later request
                .init(items: [ghost], twinID: "nobody", rejected: 0, nowMs: Self.now + 5),  // no such twin
                .init(items: [], twinID: "tb", rejected: 0, nowMs: Self.now + 6),  // a pull: stamps the last sync
            ])
            #expect(results.count == 6)
            #expect(try results[0].get().outcomes == [.accepted, .duplicate, .duplicate])
            #expect(try results[1].get().outcomes == [.accepted])
            #expect(throws: HiveError.self) { try results[2].get() }
            if case .failure(let error as HiveError) = results[2] { #expect(error.code == .forbidden) }
            #expect(try results[3].get().outcomes == [.duplicate, .accepted])
            #expect(throws: HiveError.self) { try results[4].get() }
            #expect(try results[5].get().outcomes == [])
            // Every accepted envelope has a receipt that verifies for its own ledger entry, under one head.
            var leaves: [UInt64] = []
            for (result, accepted, twinID) in [(results[0], a1, "ta"), (results[1], b1, "tb"), (results[3], a2, "ta")] {
                let report = try result.get()
                let slot = try #require(report.outcomes.firstIndex(of: .accepted))
                let receipt = try #require(report.receipts[slot])
                try receipt.check(entry: try HubLedgerEntry.envelope(accepted.envelope, twinID: twinID).encoded(), publicKey: Fixture.hubKey.publicKey)
                #expect(receipt.treeHead.treeSize == 5)  // blocklist, p-old, then a1, b1, a2
                leaves.append(receipt.leafIndex)
            }
            #expect(leaves == [2, 3, 4])
            #expect(try await LedgerWiringTests.entries(store).map(\.kind) == [.blocklist, .envelope, .envelope, .envelope, .envelope])
            let counts = try await store.counts(nowMs: Self.now + 10, activeWindowMs: 100)
            #expect(counts.patternsReceived == 4)  // old, a1, b1, a2: nothing of the blocked or unknown twin
            let ta = try #require(try await store.twin(id: "ta"))
            #expect(ta.acceptedCount == 3 && ta.rejectedCount == 3 && ta.lastSyncAt == Self.now + 4)
            let tb = try #require(try await store.twin(id: "tb"))
            #expect(tb.acceptedCount == 1 && tb.rejectedCount == 0 && tb.lastSyncAt == Self.now + 6)
            let tc = try #require(try await store.twin(id: "tc"))
            #expect(tc.acceptedCount == 0 && tc.lastSyncAt == nil)
        }
    }

    @Test("a value the database refuses fails its own request only; the rest of the batch commits", arguments: Backend.available)
    func refusedValue(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            let (keyA, keyB) = (NodeIdentity.generate(), NodeIdentity.generate())
            try await HubStoreTests.register(store, HubStoreTests.twin("ta", key: keyA))
            try await HubStoreTests.register(store, HubStoreTests.twin("tb", key: keyB))
            let clock = TestClock(Self.now)
            // A NUL byte: SQLite stores it, PostgreSQL's text type refuses it.
            let nul = IngestItem(
                envelope: try SignedEnvelope.sign(
                    payload: Array("{\"id\":\"x\u{0}\"}".utf8), kind: .pattern, stamp: Fixture.stamp(keyB, clock), identity: keyB))
            let good = try Self.pattern("p-good", keyA, clock)
            let results = try await Self.write(store, [
                .init(items: [good], twinID: "ta", rejected: 0, nowMs: Self.now + 1),
                .init(items: [nul], twinID: "tb", rejected: 0, nowMs: Self.now + 2),
            ])
            #expect(try results[0].get().outcomes == [.accepted])
            let tb = try #require(try await store.twin(id: "tb"))
            switch backend {
            case .postgres:
                #expect(throws: HiveError.self) { try results[1].get() }
                #expect(tb.acceptedCount == 0 && tb.lastSyncAt == nil)
            case .sqlite:
                #expect(try results[1].get().outcomes == [.accepted])
                #expect(tb.acceptedCount == 1)
            }
            let ta = try #require(try await store.twin(id: "ta"))
            #expect(ta.acceptedCount == 1 && ta.lastSyncAt == Self.now + 1)
            #expect(try await store.ledger.size() == (backend == .postgres ? 1 : 2))
        }
    }

    @Test("PostgreSQL writes a plain batch in one statement and hands every other case to the long path", .enabled(if: Backend.postgresURL != nil))
    func oneStatementBatches() async throws {
        try await Fixture.withStore(.postgres) { store in
            let postgres = try #require(store as? PostgresHubStore)
            let fast = postgres.ingestWriter.fastPath
            let (keyA, keyB, keyC) = (NodeIdentity.generate(), NodeIdentity.generate(), NodeIdentity.generate())
            for (id, key) in [("ta", keyA), ("tb", keyB), ("tc", keyC)] { try await HubStoreTests.register(store, HubStoreTests.twin(id, key: key)) }
            let clock = TestClock(Self.now)
            func check(_ result: Result<IngestReport, any Error>, _ items: [IngestItem], _ twinID: String) throws {
                let report = try result.get()
                #expect(report.outcomes == Array(repeating: .accepted, count: items.count))
                for (item, receipt) in zip(items, report.receipts) {
                    try #require(receipt).check(
                        entry: try HubLedgerEntry.envelope(item.envelope, twinID: twinID).encoded(), publicKey: Fixture.hubKey.publicKey)
                }
            }

            let (a1, a2, b1) = (try Self.pattern("p-a1", keyA, clock), try Self.pattern("p-a2", keyA, clock), try Self.pattern("p-b1", keyB, clock))
            var results = try await Self.write(store, [
                .init(items: [a1], twinID: "ta", rejected: 1, nowMs: Self.now + 1),
                .init(items: [b1], twinID: "tb", rejected: 0, nowMs: Self.now + 2),
                .init(items: [a2], twinID: "ta", rejected: 0, nowMs: Self.now + 3),
            ])
            #expect(fast.counts.written == 1)
            try check(results[0], [a1], "ta")
            try check(results[1], [b1], "tb")
            try check(results[2], [a2], "ta")
            let ta = try #require(try await store.twin(id: "ta"))
            #expect(ta.acceptedCount == 2 && ta.rejectedCount == 1 && ta.lastSyncAt == Self.now + 3)

            // Another ledger writer (a blocklisting) moves the ledger on: one miss, then the tip is reloaded.
            _ = try await store.setBlocked(twinID: "tc", blocked: true, nowMs: Self.now + 4)
            let b2 = try Self.pattern("p-b2", keyB, clock)
            results = try await Self.write(store, [.init(items: [b2], twinID: "tb", rejected: 0, nowMs: Self.now + 5)])
            try check(results[0], [b2], "tb")
            #expect(fast.counts.missed["ledger"] == 1 && fast.counts.written == 1)
            let b3 = try Self.pattern("p-b3", keyB, clock)
            results = try await Self.write(store, [.init(items: [b3], twinID: "tb", rejected: 0, nowMs: Self.now + 6)])
            try check(results[0], [b3], "tb")
            #expect(fast.counts.written == 2)

            // A stored envelope, a blocked twin, an unknown twin: nothing written by the one statement, right answers from the long path.
            let (b4, c1, ghost) = (try Self.pattern("p-b4", keyB, clock), try Self.pattern("p-c1", keyC, clock), try Self.pattern("p-ghost", keyA, clock))
            results = try await Self.write(store, [
                .init(items: [b3, b4], twinID: "tb", rejected: 0, nowMs: Self.now + 7),
            ])
            #expect(try results[0].get().outcomes == [.duplicate, .accepted])
            // That long write moved the ledger: the next plain batch reloads the tip rather than missing.
            let b5 = try Self.pattern("p-b5", keyB, clock)
            results = try await Self.write(store, [.init(items: [b5], twinID: "tb", rejected: 0, nowMs: Self.now + 7)])
            try check(results[0], [b5], "tb")
            #expect(fast.counts.written == 3 && fast.counts.missed["ledger"] == 1)
            results = try await Self.write(store, [.init(items: [c1], twinID: "tc", rejected: 0, nowMs: Self.now + 8)])
            if case .failure(let error as HiveError) = results[0] { #expect(error.code == .forbidden) } else { Issue.record("blocked twin accepted") }
            results = try await Self.write(store, [.init(items: [ghost], twinID: "nobody", rejected: 0, nowMs: Self.now + 9)])
            #expect(throws: HiveError.self) { try results[0].get() }
            #expect(fast.counts.missed["duplicates"] == 1 && fast.counts.missed["twins"] == 2 && fast.counts.written == 3)
            #expect(try await LedgerWiringTests.entries(store).map(\.kind) == [.envelope, .envelope, .envelope, .blocklist, .envelope, .envelope, .envelope, .envelope])
            let audit = try await LedgerAuditor(publicKey: Fixture.hubKey.publicKey).audit(store.ledger)
            #expect(audit.entries == 8 && audit.treeHeads == 6)  // one head per batch that wrote entries
        }
    }

    @Test("PostgreSQL: when another writer keeps extending the ledger, the one-statement attempt backs off", .enabled(if: Backend.postgresURL != nil))
    func oneStatementBackoff() async throws {
        try await Fixture.withStore(.postgres) { store in
            let postgres = try #require(store as? PostgresHubStore)
            let fast = postgres.ingestWriter.fastPath
            let key = NodeIdentity.generate()
            try await HubStoreTests.register(store, HubStoreTests.twin("ta", key: key))
            let clock = TestClock(Self.now)
            // What a second replica's appends look like from here: the ledger moves between every two batches.
            for round in 0..<10 {
                try await store.ledger.append([Array("elsewhere-\(round)".utf8)])
                let item = try Self.pattern("p-\(round)", key, clock)
                let results = try await Self.write(store, [.init(items: [item], twinID: "ta", rejected: 0, nowMs: Self.now + Int64(round))])
                #expect(try results[0].get().outcomes == [.accepted])
            }
            // Tip loaded fresh: written; stale: a miss; reloaded: written; … until the score reaches the
            // backoff after the fourth miss (1, 1.56, 1.88, 2.06), and the two batches left are not tried.
            let counts = fast.counts
            #expect(counts.written == 4 && counts.missed["ledger"] == 4 && counts.missed["backoff"] == 2)
            #expect(try await LedgerAuditor(publicKey: Fixture.hubKey.publicKey).audit(store.ledger).entries == 20)
        }
    }
}
