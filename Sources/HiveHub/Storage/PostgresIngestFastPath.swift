import Foundation
import HiveCore
import HiveLedger
import HiveLedgerStorage
import Logging
import PostgresNIO
import Synchronization

/// Writes a batch of plain ingests (no skills) in one round trip to PostgreSQL: one call of the
/// `hive_ingest_plain` function, a statement and so its own transaction.
///
/// Why: the batch written statement by statement (``PostgresHubStore/ingestBatch(_:_:signer:feedLock:logger:)``)
/// takes about 15 round trips, and measured, the database sat idle in that transaction about 90 %
/// of the time waiting for the hub's next statement (docs/benchmarks.md, issue 12 fifth pass).
/// Here the hub computes the whole ledger append in memory from the tip of its own last append
/// (``LedgerTip``: leaf and node hashes, the signed head, every receipt) and sends it with the
/// envelopes and the twins' counters; the function checks, under the same locks the long path
/// takes and in the same order (twins `FOR UPDATE` in id order, then the ledger append lock), that
/// nothing it assumed has changed, and writes everything or nothing.
///
/// It answers nil, having written nothing, whenever the batch is not the plain case: a twin that
/// is not stored or is blocked, an envelope id stored before or held twice, another writer having
/// extended the ledger since the tip (then the tip is reloaded for the next batch), or any error.
/// The caller then writes the batch the long way, which sorts out each request on its own. (If the
/// connection fails after the statement committed, the long way finds the envelopes stored and
/// answers them as duplicates: stored once, as when a twin retries.)
final class PostgresIngestFastPath: Sendable {
    private let state = Mutex(State())

    private struct State {
        /// The ledger's tip after this hub's last append, nil until loaded or after a miss.
        var tip: LedgerTip?
        /// Recent `ledger` misses, each weighing 3/4 of the one after it; and batches still to hand
        /// straight to the long path.
        var missScore = 0.0
        var backoffs = 0
        var skip = 0
        var tally = Tally()
    }

    /// How batches went (tests and diagnostics).
    struct Tally: Sendable, Equatable {
        /// Batches written in one statement.
        var written = 0
        /// Batches handed back to the long path, by reason (`twins`, `duplicates`, `ledger`,
        /// `error`, `shape`, and `backoff` for those not tried, see ``write(_:client:signer:logger:)``).
        var missed: [String: Int] = [:]
    }

    var counts: Tally { state.withLock { $0.tally } }

    /// The miss score at which batches go the long way for a while: reached by three misses in a
    /// row, or by misses every other batch (the score then settles at 16/7), never by one miss now
    /// and then (a round, a blocklisting).
    static let backoffScore = 2.0

    /// Writes `requests` in one statement, or returns nil (nothing written) for the caller to write them.
    ///
    /// Another writer extending the ledger (a round, a blocklisting, another replica's ingests)
    /// costs one miss and a tip reload. Replicas ingesting side by side would miss nearly every
    /// time and so pay a round trip for nothing before each long write: once recent misses reach
    /// ``backoffScore`` the next 64 batches (doubling, up to 1,024, each time it happens again
    /// without a success between) skip the attempt.
    func write(
        _ requests: [IngestBatch.Request], client: PostgresClient, signer: any TreeHeadSigner, logger: Logger
    ) async -> [Result<IngestReport, any Error>]? {
        let (known, backingOff) = state.withLock { state -> (LedgerTip?, Bool) in
            guard state.skip == 0 else {
                state.skip -= 1
                return (nil, true)
            }
            return (state.tip, false)
        }
        if backingOff { return miss("backoff") }
        guard let batch = Self.plainBatch(requests) else { return miss("shape") }
        do {
            let encoded = try batch.entries.map { try $0.encoded() }
            let tip: LedgerTip
            if let known {
                tip = known
            } else {
                tip = try await client.withConnection { connection in try await LedgerPostgres.loadTip(on: connection, logger: logger) }
            }
            let nowMs = requests.map(\.nowMs).max() ?? 0
            let prepared = try tip.prepareAppend(encoded, signer: signer, timestampMs: UInt64(max(nowMs, 0)))
            let ledger = try LedgerPostgres.PreparedAppendArguments(prepared, after: tip)
            var outcome = ""
            for try await answer in try await client.query("""
                SELECT hive_ingest_plain(\(LedgerPostgres.appendLockKey), \(ledger.expectedSize), \(ledger.expectedHeadSize),
                    \(ledger.expectedHeadTimestamp), \(ledger.entries)::bytea[], \(ledger.leafHashes)::bytea[],
                    \(ledger.nodeOrdinals)::int8[], \(ledger.nodeHashes)::bytea[], \(ledger.headSize), \(ledger.headTimestamp),
                    \(ledger.headRoot), \(ledger.headKey), \(ledger.headSignature),
                    \(batch.twinIDs)::text[], \(batch.accepted)::int8[], \(batch.rejected)::int8[], \(batch.lastSync)::int8[],
                    \(batch.rows.ids)::text[], \(batch.rows.twins)::text[], \(batch.rows.kinds)::text[],
                    \(batch.rows.payloads)::text[], \(batch.rows.signers)::text[], \(batch.rows.signatures)::text[],
                    \(batch.rows.stamps)::text[], \(batch.rows.received)::int8[], \(batch.rows.pending)::int4[])
                """, logger: logger
            ).decode(String.self) { outcome = answer }
            switch outcome {
            case "ok":
                state.withLock { state in
                    state.tip = prepared.tipAfter
                    state.missScore *= 0.75
                    state.backoffs = 0
                    state.tally.written += 1
                }
                var receipts = prepared.receipts[...]
                return batch.itemCounts.map { count in
                    let mine = receipts.prefix(count)
                    receipts = receipts.dropFirst(count)
                    return .success(IngestReport(outcomes: Array(repeating: .accepted, count: count), receipts: mine.map { $0 }))
                }
            case "twins", "duplicates":
                // Nothing was written and the tip still holds.
                state.withLock { $0.tip = tip }
                return miss(outcome)
            case "ledger":
                // Another writer appended: reload the tip next time, or back off if that keeps happening.
                state.withLock { state in
                    state.tip = nil
                    state.missScore = state.missScore * 0.75 + 1
                    if state.missScore >= Self.backoffScore {
                        state.skip = 64 << min(state.backoffs, 4)
                        state.backoffs += 1
                        state.missScore = 0
                    }
                }
                return miss(outcome)
            default:
                state.withLock { $0.tip = nil }
                return miss("error")
            }
        } catch {
            state.withLock { $0.tip = nil }
            logger.debug("one-statement ingest failed, writing the batch the long way", metadata: ["error": "\(PostgresHubStore.describe(error))"])
            return miss("error")
        }
    }

    /// This hub appended to the ledger the long way: the tip is stale, and the next attempt
    /// reloads it instead of missing (a miss would count towards backing off).
    func ledgerMoved() {
        state.withLock { $0.tip = nil }
    }

    private func miss(_ reason: String) -> [Result<IngestReport, any Error>]? {
        state.withLock { $0.tally.missed[reason, default: 0] += 1 }
        return nil
    }

    /// The columns `hive_ingest_plain` takes, for a batch that can go that way.
    private struct PlainBatch {
        var entries: [HubLedgerEntry] = []
        var itemCounts: [Int] = []
        var twinIDs: [String] = [], accepted: [Int64] = [], rejected: [Int64] = [], lastSync: [Int64] = []
        var rows = EnvelopeColumns()
    }

    /// The batch as columns if every request is plain (no skills), no envelope id appears twice
    /// and there is at least one envelope; nil otherwise. Ledger entries go in request order, as
    /// the long path appends them; envelope rows in id order, as it inserts them.
    private static func plainBatch(_ requests: [IngestBatch.Request]) -> PlainBatch? {
        var batch = PlainBatch()
        var rows: [(id: String, request: Int, item: Int)] = []
        var seen = Set<String>()
        var totals: [String: Int] = [:]
        for (requestIndex, request) in requests.enumerated() {
            for (itemIndex, item) in request.items.enumerated() {
                guard item.skill == nil, seen.insert(item.envelope.id).inserted else { return nil }
                rows.append((item.envelope.id, requestIndex, itemIndex))
                batch.entries.append(.envelope(item.envelope, twinID: request.twinID))
            }
            batch.itemCounts.append(request.items.count)
            // Per twin: the sums, and the last sync of its last request in the batch.
            if let slot = totals[request.twinID] {
                batch.accepted[slot] += Int64(request.items.count)
                batch.rejected[slot] += Int64(request.rejected)
                batch.lastSync[slot] = request.nowMs
            } else {
                totals[request.twinID] = batch.twinIDs.count
                batch.twinIDs.append(request.twinID)
                batch.accepted.append(Int64(request.items.count))
                batch.rejected.append(Int64(request.rejected))
                batch.lastSync.append(request.nowMs)
            }
        }
        guard !rows.isEmpty else { return nil }
        for row in rows.sorted(by: { $0.id < $1.id }) {
            let request = requests[row.request]
            batch.rows.append(request.items[row.item].envelope, twinID: request.twinID, receivedAt: request.nowMs)
        }
        return batch
    }

    /// `hive_ingest_plain(ledger arguments as ledger_append_prepared takes them, twins, accepted,
    /// rejected, last sync, then the envelope columns)`: `twins` if a twin is missing or blocked,
    /// `duplicates` if an envelope id is already stored, `ledger` if the ledger no longer ends at
    /// the tip given; each having written nothing. Otherwise writes the envelopes, the ledger rows
    /// and head and the twins' counters and answers `ok`. An envelope another writer stores
    /// between the check and the insert aborts the statement (so, again, nothing is written).
    ///
    /// `force_custom_plan`: PL/pgSQL keeps a session's plans, and a generic plan chosen while the
    /// tables were small (sequential scans) stayed in use as they grew; measured, a fresh hub held
    /// 1,660 syncs/s for 15 s and then slowed down steadily with its CPU falling. Custom plans see
    /// the tables' current size on every call.
    static let function = """
        CREATE OR REPLACE FUNCTION hive_ingest_plain(
            p_lock int8, p_size int8, p_head_size int8, p_head_time int8, p_entries bytea[], p_leaves bytea[],
            p_ordinals int8[], p_hashes bytea[], p_new_size int8, p_new_time int8, p_root bytea, p_key bytea,
            p_signature bytea,
            p_twins text[], p_accepted int8[], p_rejected int8[], p_last_sync int8[],
            p_ids text[], p_owners text[], p_kinds text[], p_payloads text[], p_signers text[], p_signatures text[],
            p_stamps text[], p_received int8[], p_pending int4[]) RETURNS text LANGUAGE plpgsql
            SET plan_cache_mode = force_custom_plan AS $$
        DECLARE
            v_locked int;
            v_blocked int;
            v_written int;
        BEGIN
            SELECT count(*), count(*) FILTER (WHERE l.blocked) INTO v_locked, v_blocked
                FROM (SELECT t.blocked FROM twins t WHERE t.id = ANY(p_twins) ORDER BY t.id FOR UPDATE) AS l;
            IF v_locked <> cardinality(p_twins) OR v_blocked > 0 THEN
                RETURN 'twins';
            END IF;
            IF EXISTS (SELECT 1 FROM envelopes e WHERE e.id = ANY(p_ids)) THEN
                RETURN 'duplicates';
            END IF;
            IF NOT ledger_append_prepared(p_lock, p_size, p_head_size, p_head_time, p_entries, p_leaves, p_ordinals,
                    p_hashes, p_new_size, p_new_time, p_root, p_key, p_signature) THEN
                RETURN 'ledger';
            END IF;
            INSERT INTO envelopes (id, twin_id, kind, payload, signer, signature, stamp, received_at, pending)
                SELECT * FROM UNNEST(p_ids, p_owners, p_kinds, p_payloads, p_signers, p_signatures, p_stamps, p_received,
                                     p_pending)
                ON CONFLICT (id) DO NOTHING;
            GET DIAGNOSTICS v_written = ROW_COUNT;
            IF v_written <> cardinality(p_ids) THEN
                RAISE EXCEPTION 'hive_ingest_plain: % of the envelopes were stored by another writer meanwhile',
                    cardinality(p_ids) - v_written;
            END IF;
            UPDATE twins t SET accepted_count = t.accepted_count + u.accepted, rejected_count = t.rejected_count + u.rejected,
                               last_sync_at = u.last_sync
                FROM UNNEST(p_twins, p_accepted, p_rejected, p_last_sync) AS u(id, accepted, rejected, last_sync)
                WHERE t.id = u.id;
            RETURN 'ok';
        END $$
        """
}
