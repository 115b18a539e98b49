import HiveCore
import HiveLedger
import HiveLedgerStorage
import PostgresNIO
import Testing

/// ``LedgerPostgres/appendPrepared(_:after:on:logger:)``: an append computed in memory from a tip
/// is stored in one statement only while the log still ends at that tip.
@Suite(
    "Ledger storage: PostgreSQL appends prepared in memory",
    .enabled(if: PostgresHarness.url != nil, "SKIPPED: HIVE_TEST_POSTGRES_URL is not set (run `source scripts/ci/postgres.sh` first)")
)
struct LedgerPostgresAppendPreparedTests {
    @Test("stored while the tip holds, refused with nothing written once another writer appended or signed; the log verifies")
    func appendPrepared() async throws {
        try await PostgresHarness.run { h in
            let store = try #require(h.store as? PostgresLedgerStore)
            let key = LedgerStorageContract.key
            let logger = PostgresHarness.logger
            let load = { try await store.client.withConnection { try await LedgerPostgres.loadTip(on: $0, logger: logger) } }
            let empty = try await load()
            #expect(empty.size == 0 && empty.latestHead == nil)

            // From the empty log, then again from the tip the first append left.
            let first = try empty.prepareAppend(LedgerStorageContract.entries(5), signer: key, timestampMs: 1_000)
            #expect(try await store.client.withConnection { try await LedgerPostgres.appendPrepared(first, after: empty, on: $0, logger: logger) })
            #expect(try await load() == first.tipAfter)
            let batch = LedgerStorageContract.entries(6, seed: "second")
            let second = try first.tipAfter.prepareAppend(batch, signer: key, timestampMs: 2_000)
            #expect(try await store.client.withConnection {
                try await LedgerPostgres.appendPrepared(second, after: first.tipAfter, on: $0, logger: logger)
            })
            #expect(try await store.size() == 11)
            #expect(try await store.latestTreeHead() == second.head)
            #expect(second.head.rootHash == (try await store.rootHash(atSize: 11)))
            for (offset, receipt) in second.receipts.enumerated() {
                #expect(receipt == (try await store.inclusionReceipt(leafIndex: UInt64(5 + offset), treeHead: second.head)))
                #expect(receipt.verify(entry: batch[offset], publicKey: LedgerStorageContract.publicKey))
            }

            // A stale tip (the log grew elsewhere) and a tip whose head was overtaken are refused; nothing is written.
            let stale = try first.tipAfter.prepareAppend(LedgerStorageContract.entries(2, seed: "stale"), signer: key, timestampMs: 3_000)
            #expect(try await store.client.withConnection {
                try await LedgerPostgres.appendPrepared(stale, after: first.tipAfter, on: $0, logger: logger)
            } == false)
            let current = second.tipAfter
            let racing = try current.prepareAppend(LedgerStorageContract.entries(1, seed: "race"), signer: key, timestampMs: 3_000)
            try await store.append(LedgerStorageContract.entries(1, seed: "elsewhere"))
            #expect(try await store.client.withConnection {
                try await LedgerPostgres.appendPrepared(racing, after: current, on: $0, logger: logger)
            } == false)
            let signedElsewhere = try await load()
            _ = try await store.signTreeHead(signer: key, timestampMs: 9_000)
            let late = try signedElsewhere.prepareAppend(LedgerStorageContract.entries(1, seed: "late"), signer: key, timestampMs: 3_000)
            #expect(try await store.client.withConnection {
                try await LedgerPostgres.appendPrepared(late, after: signedElsewhere, on: $0, logger: logger)
            } == false)
            #expect(try await store.size() == 12)

            // A prepared append that does not follow the tip it names is refused before any SQL.
            await #expect(throws: HiveError.self) {
                try await store.client.withConnection { try await LedgerPostgres.appendPrepared(second, after: empty, on: $0, logger: logger) }
            }
            let fresh = try await load()
            let last = try fresh.prepareAppend(LedgerStorageContract.entries(1, seed: "last"), signer: key, timestampMs: 1)
            #expect(last.head.timestampMs == 9_000)  // never before the latest head
            #expect(try await store.client.withConnection { try await LedgerPostgres.appendPrepared(last, after: fresh, on: $0, logger: logger) })
            #expect(try await h.verify(LedgerStorageContract.publicKey).treeHeads == 4)
        }
    }
}
