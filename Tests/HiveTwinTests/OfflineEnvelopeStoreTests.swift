import Foundation
import GRDB
import HiveCore
import Synchronization
import Testing
@testable import HiveTwin

struct DeliveryFailure: Error, CustomStringConvertible {
    var description: String { "hub unreachable" }
}

@Suite("OfflineEnvelopeStore")
struct OfflineEnvelopeStoreTests {
    static func envelope(_ store: TwinStore, _ n: Int) throws -> SignedEnvelope {
        try SignedEnvelope.sign(["n": JSONValue.number(Double(n))], kind: .vote, stamp: store.clock.now(), identity: store.identity)
    }

    @Test("a state change and its envelope commit together or not at all")
    func sameTransaction() throws {
        let dir = TemporaryDirectory()
        let store = try Fixtures.open(dir)
        let outbox = OfflineEnvelopeStore(store: store)
        let snapshots = SnapshotStore(store: store)
        try snapshots.set("theme", .string("dark"), outbox: outbox)
        #expect(try outbox.stats().pending == 1)
        let envelope = try Self.envelope(store, 1)
        #expect(throws: HiveError.self) {
            try store.write { db in
                _ = try snapshots.set("volume", .number(3), in: db)
                try outbox.enqueue(envelope, in: db)
                throw HiveError(.io, "simulated failure after both writes")
            }
        }
        #expect(try outbox.stats().pending == 1)
        #expect(try snapshots.value("volume") == nil)
        #expect(try !outbox.contains(envelopeID: envelope.id))
        // local_only changes never produce an envelope.
        try snapshots.set("local_only.pin", .string("1"), outbox: outbox)
        #expect(try outbox.stats().pending == 1)
    }

    @Test("drains in order, backs off with full jitter, dead-letters after N attempts and never drops silently")
    func drainBackoffDeadLetter() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let store = try Fixtures.open(dir, clock: clock)
        let ceilings = Mutex<[UInt64]>([])
        let policy = RetryPolicy(baseMs: 100, capMs: 1_000, maxAttempts: 4) { upper in
            ceilings.withLock { $0.append(upper) }
            return upper  // the top of the jitter range, so the schedule is predictable
        }
        let outbox = OfflineEnvelopeStore(store: store, policy: policy)
        let envelopes = try (0..<5).map { try Self.envelope(store, $0) }
        for envelope in envelopes { try outbox.enqueue(envelope) }
        #expect(try outbox.enqueue(envelopes[0]) == false)  // same id: no duplicate row

        // The hub rejects envelope 1 forever; the others go through.
        let delivered = Mutex<[String]>([])
        let deliver: (SignedEnvelope) async throws -> Void = { envelope in
            if envelope.id == envelopes[1].id { throw DeliveryFailure() }
            delivered.withLock { $0.append(envelope.id) }
        }
        var report = try await outbox.drain(deliver: deliver)
        #expect(report.delivered == 1 && report.failed == 1 && report.stoppedAtFailure)
        #expect(try outbox.pending().first?.lastError == "hub unreachable")
        // Not yet due: nothing is sent, order is kept.
        report = try await outbox.drain(deliver: deliver)
        #expect(report.delivered == 0 && report.stoppedAtFailure)
        for _ in 0..<3 {
            clock.advance(1_000)
            report = try await outbox.drain(deliver: deliver)
        }
        #expect(ceilings.withLock { $0 } == [100, 200, 400])  // min(cap, base · 2^(attempt−1))
        #expect(report.deadLettered == 1)
        #expect(delivered.withLock { $0 } == [0, 2, 3, 4].map { envelopes[$0].id })
        let stats = try outbox.stats()
        #expect(stats.pending == 0 && stats.delivered == 4 && stats.deadLettered == 1)
        #expect(try outbox.deadLetters().first?.attempts == 4)
        #expect(try outbox.requeueDeadLetters() == 1)
        #expect(try outbox.stats().pending == 1)
        #expect(policy.ceiling(afterAttempts: 70) == 1_000)
    }

    @Test("the inbox verifies, applies once, and reports re-deliveries as duplicates")
    func inboxDedupe() throws {
        let dir = TemporaryDirectory()
        let sender = try Fixtures.open(dir, name: "sender.sqlite")
        let receiver = try Fixtures.open(dir, name: "receiver.sqlite")
        let inbox = OfflineEnvelopeStore(store: receiver)
        let snapshots = SnapshotStore(store: receiver)
        let envelope = try SignedEnvelope.sign(
            SnapshotDiff(entries: [SnapshotEntry(key: "theme", value: .string("dark"), stamp: sender.clock.now())], cursor: 1),
            kind: .snapshotDiff, stamp: sender.clock.now(), identity: sender.identity)
        let applied = Mutex(0)
        let apply: (SignedEnvelope, Database) throws -> Void = { envelope, db in
            applied.withLock { $0 += 1 }
            let diff = try envelope.decodePayload(as: SnapshotDiff.self)
            for entry in diff.entries { _ = try snapshots.set(entry.key, entry.value, in: db) }
        }
        #expect(try inbox.receive(envelope, apply: apply) == .accepted)
        #expect(try inbox.receive(envelope, apply: apply) == .duplicate)
        #expect(applied.withLock { $0 } == 1)
        #expect(try inbox.stats().inbox == 1)

        // A forged signature: rejected, nothing applied or remembered.
        var signature = envelope.signature
        signature[0] ^= 1
        let forged = SignedEnvelope(
            kind: .vote, payload: Array(#"{"x":1}"#.utf8), signer: envelope.signer, signature: signature, stamp: envelope.stamp)
        #expect { try inbox.receive(forged, apply: apply) } throws: { ($0 as? HiveError)?.code == .badSignature }
        // apply throws: nothing recorded, the envelope can come again.
        let other = try Self.envelope(sender, 42)
        #expect(throws: DeliveryFailure.self) { try inbox.receive(other) { _, _ in throw DeliveryFailure() } }
        #expect(try !inbox.hasReceived(envelopeID: other.id))
        #expect(try inbox.receive(other) { _, _ in } == .accepted)
        #expect(try inbox.stats().inbox == 2)
    }
}
