import HiveCore
import HiveLedger
import HiveLedgerStorage
import PostgresNIO
import Testing

/// ``LedgerPostgres/appendSigned(_:signer:timestampMs:on:logger:)``: the hub's one-step append and
/// head, checked against the separate append and signTreeHead it replaces.
@Suite(
    "Ledger storage: PostgreSQL appendSigned",
    .enabled(if: PostgresHarness.url != nil, "SKIPPED: HIVE_TEST_POSTGRES_URL is not set (run `source scripts/ci/postgres.sh` first)")
)
struct LedgerPostgresAppendSignedTests {
    @Test("a batch and its signed head in the caller's transaction: root as the store computes it, never backwards in time, rolled back with it")
    func appendSigned() async throws {
        try await PostgresHarness.run { h in
            let store = try #require(h.store as? PostgresLedgerStore)
            let key = LedgerStorageContract.key
            let logger = PostgresHarness.logger
            try await store.append(LedgerStorageContract.entries(5))
            let head5 = try await store.signTreeHead(signer: key, timestampMs: 2_000)

            let batch = LedgerStorageContract.entries(7, seed: "batch")
            let (range, head) = try await store.client.withTransaction(logger: logger) { connection in
                try await LedgerPostgres.appendSigned(batch, signer: key, timestampMs: 1_000, on: connection, logger: logger)
            }
            #expect(range == 5..<12)
            #expect(head.treeSize == 12)
            #expect(head.timestampMs == 2_000)  // raised to the latest head's: heads never run backwards
            #expect(head.rootHash == (try await store.rootHash(atSize: 12)))
            try head.check()
            #expect(try await store.treeHead(size: 12) == head)
            #expect(try await store.latestTreeHead() == head)
            let receipt = try await store.inclusionReceipt(leafIndex: 8, treeHead: head)
            #expect(receipt.verify(entry: batch[3], publicKey: LedgerStorageContract.publicKey))
            let proof = try await store.consistencyProof(firstSize: 5, secondSize: 12)
            #expect(proof.verify(firstRoot: head5.rootHash, secondRoot: head.rootHash))

            // A later timestamp is kept; a failing caller transaction leaves neither entries nor head.
            struct Abort: Error {}
            await #expect(throws: (any Error).self) {
                try await store.client.withTransaction(logger: logger) { connection in
                    _ = try await LedgerPostgres.appendSigned(
                        LedgerStorageContract.entries(3, seed: "gone"), signer: key, timestampMs: 9_000, on: connection, logger: logger)
                    throw Abort()
                }
            }
            #expect(try await store.size() == 12)
            #expect(try await store.latestTreeHead() == head)
            let (_, later) = try await store.client.withTransaction(logger: logger) { connection in
                try await LedgerPostgres.appendSigned(
                    LedgerStorageContract.entries(1, seed: "last"), signer: key, timestampMs: 9_000, on: connection, logger: logger)
            }
            #expect(later.treeSize == 13 && later.timestampMs == 9_000)
            #expect(try await h.verify(LedgerStorageContract.publicKey).treeHeads == 3)
        }
    }
}
