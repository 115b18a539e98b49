import Foundation
import GRDB
import HiveCore

/// Store-then-forward for signed envelopes: the outbox and the inbox of a ``TwinStore``.
///
/// - **Outbox.** ``enqueue(_:in:)`` runs inside the caller's write transaction, so a state change
///   and the envelope announcing it commit together or not at all. ``drain(limit:deliver:)`` sends
///   pending envelopes strictly in enqueue order; an envelope is marked delivered only after
///   `deliver` returns, so a crash in between re-sends it (at-least-once; receivers deduplicate by
///   envelope id). A failure records the attempt and error, schedules a full-jitter backoff and
///   ends the round (later envelopes wait, keeping order); after ``RetryPolicy/maxAttempts``
///   failures the envelope is dead-lettered: it stays in the table, counted in ``stats()``,
///   and ``requeueDeadLetters()`` puts it back.
/// - **Inbox.** ``receive(_:knownKinds:apply:)`` verifies an incoming envelope, then applies it
///   and remembers its id in one transaction; a re-delivered envelope is reported as a duplicate
///   and not applied again (effectively-once processing).
public struct OfflineEnvelopeStore: Sendable {
    public let store: TwinStore
    public let policy: RetryPolicy

    public init(store: TwinStore, policy: RetryPolicy = RetryPolicy()) {
        self.store = store
        self.policy = policy
    }

    /// Adds `envelope` to the outbox inside the caller's write transaction. Enqueueing an envelope
    /// already in the outbox (same id) is a no-op; returns whether it was added.
    @discardableResult
    public func enqueue(_ envelope: SignedEnvelope, in db: Database) throws -> Bool {
        guard envelope.payload.count <= SignedEnvelope.maxPayloadBytes else {
            throw HiveError(.invalidInput, "envelope payload is \(envelope.payload.count) bytes; the limit is \(SignedEnvelope.maxPayloadBytes)")
        }
        let now = Int64(clamping: store.nowMs)
        let bytes = try HiveJSON.encode(envelope)
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO outbox(envelope_id, kind, envelope, next_attempt_ms, created_ms)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [envelope.id, envelope.kind.rawValue, bytes, now, now])
        return db.changesCount > 0
    }

    /// Adds `envelope` to the outbox in its own transaction.
    @discardableResult
    public func enqueue(_ envelope: SignedEnvelope) throws -> Bool {
        try store.write { db in try enqueue(envelope, in: db) }
    }

    /// Pending envelopes in delivery order.
    public func pending(limit: Int = 1000) throws -> [OutboxItem] {
        try items(state: "pending", limit: limit)
    }

    /// Dead-lettered envelopes, oldest first.
    public func deadLetters(limit: Int = 1000) throws -> [OutboxItem] {
        try items(state: "dead", limit: limit)
    }

    /// Whether the outbox holds an envelope with this id (in any state).
    public func contains(envelopeID: String) throws -> Bool {
        try store.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM outbox WHERE envelope_id = ?)", arguments: [envelopeID]) ?? false
        }
    }

    /// Delivers due pending envelopes in order, at most `limit`, calling `deliver` for each.
    /// Stops at the first envelope that is not yet due or fails (unless that failure dead-letters it).
    /// Deliveries are marked in one transaction per round (and before any failure is recorded): a
    /// crash before that re-sends them, which receivers absorb by envelope id.
    @discardableResult
    public func drain(limit: Int = 100, deliver: (SignedEnvelope) async throws -> Void) async throws -> DrainReport {
        var report = DrainReport()
        var deliveredSequences: [Int64] = []
        func markDelivered() throws {
            guard !deliveredSequences.isEmpty else { return }
            let now = Int64(clamping: store.nowMs)
            try store.write { db in
                let statement = try db.cachedStatement(
                    sql: "UPDATE outbox SET state = 'delivered', delivered_ms = ?, attempts = attempts + 1 WHERE seq = ?")
                for sequence in deliveredSequences { try statement.execute(arguments: [now, sequence]) }
            }
            report.delivered += deliveredSequences.count
            deliveredSequences.removeAll()
        }
        for item in try pending(limit: limit) {
            let now = Int64(clamping: store.nowMs)
            if item.nextAttemptMs > now {
                report.stoppedAtFailure = true
                break
            }
            do {
                try await deliver(item.envelope)
                deliveredSequences.append(item.sequence)
                continue
            } catch {
                try markDelivered()
                report.failed += 1
                let attempts = item.attempts + 1
                let message = String(String(describing: error).prefix(500))
                if attempts >= policy.maxAttempts {
                    try store.write { db in
                        try db.execute(
                            sql: "UPDATE outbox SET state = 'dead', attempts = ?, last_error = ? WHERE seq = ?",
                            arguments: [attempts, message, item.sequence])
                    }
                    report.deadLettered += 1
                    continue
                }
                let next = now + Int64(clamping: policy.delay(afterAttempts: attempts))
                try store.write { db in
                    try db.execute(
                        sql: "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_ms = ? WHERE seq = ?",
                        arguments: [attempts, message, next, item.sequence])
                }
                report.stoppedAtFailure = true
                break
            }
        }
        try markDelivered()
        return report
    }

    /// Puts every dead-lettered envelope back in the queue with a fresh attempt count; returns how many.
    @discardableResult
    public func requeueDeadLetters() throws -> Int {
        let now = Int64(clamping: store.nowMs)
        return try store.write { db in
            try db.execute(
                sql: "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ? WHERE state = 'dead'",
                arguments: [now])
            return db.changesCount
        }
    }

    /// Verifies `envelope` (signature, kind, canonical payload, clock drift), then — unless its id
    /// was seen before — runs `apply` and records the id in one write transaction. If `apply`
    /// throws, nothing is recorded and the envelope can be received again.
    public func receive(
        _ envelope: SignedEnvelope, knownKinds: Set<EnvelopeKind> = EnvelopeKind.known,
        apply: (SignedEnvelope, Database) throws -> Void
    ) throws -> ReceiveOutcome {
        let id = envelope.id
        if try store.read({ db in try Self.seen(id, in: db) }) { return .duplicate }
        try envelope.verify(knownKinds: knownKinds, clock: store.clock)
        try store.clock.receive(envelope.stamp)
        let now = Int64(clamping: store.nowMs)
        return try store.write { db in
            // Checked again inside the writer: another receiver may have won the race.
            if try Self.seen(id, in: db) { return .duplicate }
            try apply(envelope, db)
            try db.execute(
                sql: "INSERT INTO inbox(envelope_id, kind, signer, received_ms) VALUES (?, ?, ?, ?)",
                arguments: [id, envelope.kind.rawValue, envelope.signerNodeID, now])
            return .accepted
        }
    }

    /// Whether an envelope id was received before.
    public func hasReceived(envelopeID: String) throws -> Bool {
        try store.read { db in try Self.seen(envelopeID, in: db) }
    }

    /// Counts per state.
    public func stats() throws -> OutboxStats {
        try store.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state") {
                counts[row["state"]] = row["n"]
            }
            return OutboxStats(
                pending: counts["pending"] ?? 0, delivered: counts["delivered"] ?? 0, deadLettered: counts["dead"] ?? 0,
                inbox: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") ?? 0,
                oldestPendingMs: try Int64.fetchOne(db, sql: "SELECT MIN(created_ms) FROM outbox WHERE state = 'pending'"))
        }
    }

    /// Deletes delivered envelopes older than `ms` and inbox ids older than `inboxMs`
    /// (the deduplication window). Dead letters are never pruned here.
    @discardableResult
    public func prune(deliveredOlderThanMs ms: UInt64, inboxOlderThanMs inboxMs: UInt64) throws -> (outbox: Int, inbox: Int) {
        let now = store.nowMs
        let outboxCutoff = Int64(clamping: now > ms ? now - ms : 0)
        let inboxCutoff = Int64(clamping: now > inboxMs ? now - inboxMs : 0)
        return try store.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE state = 'delivered' AND delivered_ms < ?", arguments: [outboxCutoff])
            let outbox = db.changesCount
            try db.execute(sql: "DELETE FROM inbox WHERE received_ms < ?", arguments: [inboxCutoff])
            return (outbox, db.changesCount)
        }
    }

    private static func seen(_ id: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM inbox WHERE envelope_id = ?)", arguments: [id]) ?? false
    }

    private func items(state: String, limit: Int) throws -> [OutboxItem] {
        try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, envelope, attempts, next_attempt_ms, last_error FROM outbox
                    WHERE state = ? ORDER BY seq LIMIT ?
                    """,
                arguments: [state, max(0, limit)]
            ).map { row in
                OutboxItem(
                    sequence: row["seq"], envelope: try HiveJSON.decode(SignedEnvelope.self, from: row["envelope"] as Data),
                    attempts: row["attempts"], nextAttemptMs: row["next_attempt_ms"], lastError: row["last_error"])
            }
        }
    }
}
