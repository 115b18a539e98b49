import Foundation
import GRDB
import HiveCore
import HiveTestSupport
import Synchronization
import Testing
@testable import HiveTwin

@Suite("Crash safety")
struct CrashSafetyTests {
    /// Runs the writer until it has reported `batches` commits, then SIGKILLs it at once (mid-batch:
    /// it is always inside its next transaction). Returns the envelope ids it reported committed.
    static func runAndKill(dbPath: String, keyDir: String, batchSize: Int, batches: Int, mode: String = "snapshot") throws -> [String] {
        let writer = try TestProcess(try BuiltExecutable.path("twin-crash-writer"), [dbPath, keyDir, String(batchSize), mode])
        var committed: [String] = []
        var lines = 0
        let deadline = Date().addingTimeInterval(60)
        while lines < batches, let line = writer.readLine(before: deadline) {
            let words = line.split(separator: " ")
            if words.first == "committed" {
                committed += words.dropFirst(2).map(String.init)
                lines += 1
            }
        }
        writer.kill()
        #expect(writer.process.terminationReason == .uncaughtSignal)
        return committed
    }

    @Test("SIGKILL mid-batch: database consistent, every committed envelope in the outbox, re-delivery makes no duplicates")
    func killMidBatch() async throws {
        let dir = TemporaryDirectory()
        let dbPath = dir.file("crash.sqlite")
        let batchSize = 10
        var committed: [String] = []
        for round in 0..<3 {  // kill it three times, reopening the same file each time
            committed += try Self.runAndKill(dbPath: dbPath, keyDir: dir.file("keys"), batchSize: batchSize, batches: 5 + round * 3)
        }
        #expect(committed.count >= 3 * 5 * batchSize)

        let identity = try KeyFile(directory: dir.file("keys")).load()
        let store = try TwinStore(path: dbPath, identity: identity, userID: "crash")
        #expect(try store.integrityCheck() == ["ok"])
        let outbox = OfflineEnvelopeStore(store: store)
        let (entries, envelopes) = try store.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM snapshot") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? -2
            )
        }
        // Whole batches only: each transaction wrote batchSize pairs or nothing.
        #expect(entries == envelopes)
        #expect(entries % batchSize == 0)
        #expect(entries >= committed.count)
        for id in committed { #expect(try outbox.contains(envelopeID: id), "committed envelope \(id) missing") }

        // Deliver to a receiver, losing every third acknowledgement (the sender cannot mark those
        // delivered and re-sends them), then lose all marks as if the sender crashed before saving them.
        let receiver = try Fixtures.open(dir, name: "receiver.sqlite")
        let inbox = OfflineEnvelopeStore(store: receiver)
        let received = SnapshotStore(store: receiver)
        let applied = Mutex(0)
        let duplicates = Mutex(0)
        let sent = Mutex(0)
        let deliver: (SignedEnvelope) async throws -> Void = { envelope in
            let outcome = try inbox.receive(envelope) { envelope, db in
                applied.withLock { $0 += 1 }
                for entry in try envelope.decodePayload(as: SnapshotDiff.self).entries {
                    _ = try received.set(entry.key, entry.value, in: db)
                }
            }
            if outcome == .duplicate { duplicates.withLock { $0 += 1 } }
            let count = sent.withLock { $0 += 1; return $0 }
            if count % 3 == 0 { throw DeliveryFailure() }  // delivered, but the ack is lost
        }
        let fastRetry = OfflineEnvelopeStore(store: store, policy: RetryPolicy(baseMs: 0, capMs: 0, maxAttempts: 1_000))
        var rounds = 0
        while try fastRetry.stats().pending > 0, rounds < 10 * envelopes {
            try await fastRetry.drain(limit: 10_000, deliver: deliver)
            rounds += 1
        }
        try store.write { db in try db.execute(sql: "UPDATE outbox SET state = 'pending'") }
        while try fastRetry.stats().pending > 0, rounds < 20 * envelopes {
            try await fastRetry.drain(limit: 10_000, deliver: deliver)
            rounds += 1
        }
        #expect(applied.withLock { $0 } == envelopes)
        #expect(duplicates.withLock { $0 } >= envelopes)
        #expect(try inbox.stats().inbox == envelopes)
        #expect(try received.snapshot().entries.count == entries)
    }

    @Test("SIGKILL while storing patterns: the vector index rebuilt at open matches the table exactly")
    func indexCannotDrift() throws {
        let dir = TemporaryDirectory()
        let dbPath = dir.file("patterns.sqlite")
        var committed: [String] = []
        for round in 0..<2 {
            committed += try Self.runAndKill(dbPath: dbPath, keyDir: dir.file("keys"), batchSize: 20, batches: 4 + round * 3, mode: "patterns")
        }
        let identity = try KeyFile(directory: dir.file("keys")).load()
        let store = try TwinStore(path: dbPath, identity: identity, userID: "crash")
        #expect(try store.integrityCheck() == ["ok"])
        let bank = try ReasoningBank(store: store, space: EmbeddingSpace(modelID: "crash/random-32", dimensions: 32))
        #expect(try bank.verifyIndex() == [])
        let count = try bank.count()
        #expect(count % 20 == 0 && count >= committed.count)
        let outbox = OfflineEnvelopeStore(store: store)
        #expect(try outbox.stats().pending == count)
        for id in committed { #expect(try outbox.contains(envelopeID: id)) }
        // Every stored pattern is its own nearest neighbour through the rebuilt index.
        let rows = try store.read { db in try Row.fetchAll(db, sql: "SELECT seq, vector FROM patterns ORDER BY rid LIMIT 40") }
        for row in rows {
            let vector = try EmbeddingCodec.decode(row["vector"], dimensions: 32)
            #expect(try bank.searchPatterns(vector: vector, k: 1).first?.pattern.id == store.rowID(row["seq"]))
        }
    }
}
