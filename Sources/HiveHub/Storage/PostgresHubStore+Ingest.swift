import Foundation
import HiveCore
import HiveLedger
import Logging
import PostgresNIO

extension PostgresHubStore {
    // MARK: Ingest

    public func ingestWithReceipts(_ items: [IngestItem], twinID: String, rejected: Int, nowMs: Int64) async throws -> IngestReport {
        try await ingestCommit.submit(IngestBatch.Request(items: items, twinID: twinID, rejected: rejected, nowMs: nowMs))
    }

    /// Writes `requests` as one batch, as the group commit does (tests compose batches with it).
    func writeIngestBatch(_ requests: [IngestBatch.Request]) async throws -> [Result<IngestReport, any Error>] {
        try await ingestWriter.write(requests)
    }

    /// Writes a batch of ingests in one transaction (see ``GroupCommit``) with a handful of
    /// statements for the whole batch rather than several round trips per request:
    ///
    /// 1. the batch's twins are locked (`FOR UPDATE`, in id order) and their blocked flags read, so
    ///    no replica blocks one of them before this commits; a blocked twin's request fails alone;
    /// 2. inside a savepoint, the envelopes of every plain request go in as one multi-row
    ///    `INSERT … ON CONFLICT DO NOTHING RETURNING id` (what comes back was accepted, the rest
    ///    are duplicates) and the twins' counters and last sync as one `UPDATE … FROM UNNEST`;
    /// 3. requests that publish skills or name a twin that is not stored take the per-request
    ///    path (``stage(_:firstEntry:_:logger:)`` between a savepoint and its release), as do all
    ///    plain requests if the bulk statements fail (a value PostgreSQL refuses): the savepoint is
    ///    rolled back and each request then succeeds or fails alone;
    /// 4. one ledger append for the batch's accepted entries and one signed tree head.
    ///
    /// Outcomes are those of writing the requests one after another in the order plain requests
    /// first, then the others (each in arrival order): an envelope id a batch holds twice is
    /// accepted for the first holder and a duplicate for the later ones.
    static func ingestBatch(
        _ requests: [IngestBatch.Request], _ connection: PostgresConnection, signer: (any TreeHeadSigner)?,
        feedLock: Int64, logger: Logger
    ) async throws -> [Result<IngestReport, any Error>] {
        if requests.contains(where: { $0.items.contains { $0.skill != nil } }) {
            try await connection.query("SELECT pg_advisory_xact_lock(\(feedLock))", logger: logger)
        }
        let twinIDs = Array(Set(requests.map(\.twinID))).sorted()
        var blockedByTwin: [String: Bool] = [:]
        for try await (id, blocked) in try await connection.query(
            "SELECT id, blocked FROM twins WHERE id = ANY(\(twinIDs)) ORDER BY id FOR UPDATE", logger: logger
        ).decode((String, Bool).self) { blockedByTwin[id] = blocked }

        var staged = [Result<IngestBatch.Staged, any Error>?](repeating: nil, count: requests.count)
        var plain: [Int] = []
        var single: [Int] = []
        for (index, request) in requests.enumerated() {
            switch blockedByTwin[request.twinID] {
            case true?: staged[index] = .failure(IngestBatch.blocked(request.twinID))
            case false? where !request.items.contains(where: { $0.skill != nil }): plain.append(index)
            default: single.append(index)
            }
        }
        var entries: [HubLedgerEntry] = []
        if !plain.isEmpty {
            try await connection.query("SAVEPOINT hive_ingest_bulk", logger: logger)
            do {
                let written = try await Self.stagePlain(plain.map { requests[$0] }, firstEntry: entries.count, connection, logger: logger)
                try await connection.query("RELEASE SAVEPOINT hive_ingest_bulk", logger: logger)
                for (index, stage) in zip(plain, written) {
                    entries += stage.entries
                    staged[index] = .success(stage)
                }
            } catch {
                // Something in the batch was refused: undo the bulk statements and let each request
                // find out on its own whether it was the one.
                try await connection.query("ROLLBACK TO SAVEPOINT hive_ingest_bulk", logger: logger)
                logger.debug("bulk ingest refused, writing requests one by one", metadata: ["error": "\(describe(error))"])
                single = plain + single
            }
        }
        for index in single {
            try await connection.query("SAVEPOINT hive_ingest", logger: logger)
            do {
                let stage = try await Self.stage(requests[index], firstEntry: entries.count, connection, logger: logger)
                try await connection.query("RELEASE SAVEPOINT hive_ingest", logger: logger)
                entries += stage.entries
                staged[index] = .success(stage)
            } catch {
                try await connection.query("ROLLBACK TO SAVEPOINT hive_ingest", logger: logger)
                staged[index] = .failure(error is HiveError ? error : Self.describe(error))
            }
        }
        let nowMs = requests.map(\.nowMs).max() ?? 0
        let receipts = try await HubLedgerPostgres.record(entries, signer: signer, nowMs: nowMs, on: connection, logger: logger)
        return staged.map { result in
            guard let result else { return .failure(HiveError(.inconsistent, "ingest batch left a request unwritten")) }
            return result.map { stage in
                IngestReport(
                    outcomes: stage.outcomes,
                    receipts: stage.receiptSlots.map { slot in slot.flatMap { receipts.isEmpty ? nil : receipts[$0] } })
            }
        }
    }

    /// Writes requests without skills for twins that exist and are not blocked (their rows locked
    /// by the caller): one `INSERT` for all envelopes, one `UPDATE` for all twins. Throws if
    /// PostgreSQL refuses either statement; the caller rolls both back.
    private static func stagePlain(
        _ requests: [IngestBatch.Request], firstEntry: Int, _ connection: PostgresConnection, logger: Logger
    ) async throws -> [IngestBatch.Staged] {
        // Columns of the envelopes to insert; an id a batch holds twice is sent once, for its first holder.
        // Rows go in id order: replicas write batches concurrently, and two that hold the same ids
        // (a client's retry racing its original on another replica) then wait for each other in
        // one order instead of deadlocking.
        var firstHolders: [String: (request: Int, item: Int)] = [:]
        for (requestIndex, request) in requests.enumerated() {
            for (itemIndex, item) in request.items.enumerated() where firstHolders[item.envelope.id] == nil {
                firstHolders[item.envelope.id] = (requestIndex, itemIndex)
            }
        }
        var rows = EnvelopeColumns()
        for id in firstHolders.keys.sorted() {
            guard let holder = firstHolders[id] else { continue }
            let request = requests[holder.request]
            rows.append(request.items[holder.item].envelope, twinID: request.twinID, receivedAt: request.nowMs)
        }
        var inserted = Set<String>()
        if !rows.isEmpty {
            for try await id in try await connection.query(
                """
                INSERT INTO envelopes (id, twin_id, kind, payload, signer, signature, stamp, received_at, pending)
                SELECT * FROM UNNEST(\(rows.ids)::text[], \(rows.twins)::text[], \(rows.kinds)::text[], \(rows.payloads)::text[],
                                     \(rows.signers)::text[], \(rows.signatures)::text[], \(rows.stamps)::text[],
                                     \(rows.received)::int8[], \(rows.pending)::int4[])
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger
            ).decode(String.self) { inserted.insert(id) }
        }

        var stages: [IngestBatch.Staged] = []
        stages.reserveCapacity(requests.count)
        var entryCount = firstEntry
        // Per twin: accepted and rejected to add, and the last sync (the twin's last request in the batch).
        var twinOrder: [String] = []
        var totals: [String: (accepted: Int64, rejected: Int64, lastSync: Int64)] = [:]
        for request in requests {
            var stage = IngestBatch.Staged(outcomes: [], entries: [], receiptSlots: [])
            for item in request.items {
                let envelope = item.envelope
                // `remove`: the first holder of an id takes the acceptance; any later one is a duplicate.
                guard inserted.remove(envelope.id) != nil else {
                    stage.outcomes.append(.duplicate)
                    stage.receiptSlots.append(nil)
                    continue
                }
                stage.outcomes.append(.accepted)
                stage.receiptSlots.append(entryCount)
                stage.entries.append(.envelope(envelope, twinID: request.twinID))
                entryCount += 1
            }
            let accepted = Int64(stage.entries.count)
            if let total = totals[request.twinID] {
                totals[request.twinID] = (total.accepted + accepted, total.rejected + Int64(request.rejected), request.nowMs)
            } else {
                twinOrder.append(request.twinID)
                totals[request.twinID] = (accepted, Int64(request.rejected), request.nowMs)
            }
            stages.append(stage)
        }
        let acceptedCounts = twinOrder.map { totals[$0]?.accepted ?? 0 }
        let rejectedCounts = twinOrder.map { totals[$0]?.rejected ?? 0 }
        let lastSyncs = twinOrder.map { totals[$0]?.lastSync ?? 0 }
        var updated = 0
        for try await _ in try await connection.query(
            """
            UPDATE twins SET accepted_count = twins.accepted_count + u.accepted,
                             rejected_count = twins.rejected_count + u.rejected, last_sync_at = u.last_sync
            FROM UNNEST(\(twinOrder)::text[], \(acceptedCounts)::int8[], \(rejectedCounts)::int8[], \(lastSyncs)::int8[])
                 AS u(id, accepted, rejected, last_sync)
            WHERE twins.id = u.id AND NOT twins.blocked RETURNING 1
            """, logger: logger) { updated += 1 }
        // The rows are locked and were found unblocked, so every twin is updated; anything else is a bug.
        guard updated == twinOrder.count else {
            throw HiveError(.inconsistent, "ingest updated \(updated) of \(twinOrder.count) locked twins")
        }
        return stages
    }

    /// Stores one request's envelopes and skills and updates its twin (inside the batch's transaction).
    static func stage(
        _ request: IngestBatch.Request, firstEntry: Int, _ connection: PostgresConnection, logger: Logger
    ) async throws -> IngestBatch.Staged {
        let twinID = request.twinID
        let nowMs = request.nowMs
        var entries: [HubLedgerEntry] = []
        var receiptSlots: [Int?] = []
        var outcomes: [IngestOutcome] = []
        var accepted: Int64 = 0
        var duplicateTraces = 0
        for item in request.items {
            let envelope = item.envelope
            if let skill = item.skill {
                var exists = false
                for try await _ in try await connection.query(
                    "SELECT 1 FROM skills WHERE trace_id = \(skill.traceID)", logger: logger) { exists = true }
                var envelopeExists = false
                for try await _ in try await connection.query(
                    "SELECT 1 FROM envelopes WHERE id = \(envelope.id)", logger: logger) { envelopeExists = true }
                if envelopeExists {
                    outcomes.append(.duplicate)
                    receiptSlots.append(nil)
                    continue
                }
                if exists {
                    outcomes.append(.duplicateTrace(skill.traceID))
                    receiptSlots.append(nil)
                    duplicateTraces += 1
                    continue
                }
            }
            var inserted = false
            for try await _ in try await connection.query(
                """
                INSERT INTO envelopes (id, twin_id, kind, payload, signer, signature, stamp, received_at, pending)
                VALUES (\(envelope.id), \(twinID), \(envelope.kind.rawValue), \(StoreCodec.payloadText(envelope.payload)),
                        \(Hex.encode(envelope.signer)), \(Data(envelope.signature).base64EncodedString()),
                        \(envelope.stamp.description), \(nowMs), \(StoreCodec.isPending(envelope.kind) ? 1 : 0))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger) { inserted = true }
            guard inserted else {
                outcomes.append(.duplicate)
                receiptSlots.append(nil)
                continue
            }
            if let skill = item.skill {
                let wire = try StoreCodec.json(envelope)
                try await connection.query(
                    """
                    INSERT INTO skills (trace_id, twin_id, intent, envelope_id, envelope, created_at)
                    VALUES (\(skill.traceID), \(twinID), \(skill.intent), \(envelope.id), \(wire), \(nowMs))
                    """, logger: logger)
                try await Self.publish(
                    connection, kind: .skillPublished, twinID: twinID, ref: skill.traceID, data: wire, nowMs: nowMs,
                    logger: logger)
            }
            accepted += 1
            outcomes.append(.accepted)
            receiptSlots.append(firstEntry + entries.count)
            entries.append(.envelope(envelope, twinID: twinID))
            if let skill = item.skill {
                entries.append(.skill(traceID: skill.traceID, envelopeID: envelope.id, twinID: twinID, nowMs: nowMs))
            }
        }
        // The blocked flag is checked in the write transaction (see SQLiteHubStore.stage).
        var updated = false
        for try await _ in try await connection.query(
            """
            UPDATE twins SET accepted_count = accepted_count + \(accepted),
                             rejected_count = rejected_count + \(Int64(request.rejected + duplicateTraces)), last_sync_at = \(nowMs)
            WHERE id = \(twinID) AND NOT blocked RETURNING 1
            """, logger: logger) { updated = true }
        if !updated {
            var blocked = false
            for try await flag in try await connection.query("SELECT blocked FROM twins WHERE id = \(twinID)", logger: logger)
                .decode(Bool.self) { blocked = flag }
            if blocked { throw IngestBatch.blocked(twinID) }
        }
        return IngestBatch.Staged(outcomes: outcomes, entries: entries, receiptSlots: receiptSlots)
    }
}
