import Foundation
import Testing

// The same contract (LedgerStorageContract) against each backend.

@Suite("Ledger storage: SQLite")
struct SQLiteLedgerStorageTests {
    @Test("appends, reads and proofs match the in-memory reference")
    func appends() async throws { try await SQLiteHarness.run(LedgerStorageContract.appendsReadsAndProofs) }
    @Test("bad input is refused and changes nothing")
    func badInput() async throws { try await SQLiteHarness.run(LedgerStorageContract.badInputChangesNothing) }
    @Test("signed tree heads: rules, lookups, receipts, consistency")
    func heads() async throws { try await SQLiteHarness.run(LedgerStorageContract.treeHeads) }
    @Test("rows cannot be updated or deleted")
    func immutable() async throws { try await SQLiteHarness.run(LedgerStorageContract.rowsAreImmutable) }
    @Test("appends join the hub's transaction and roll back with it")
    func hubTransactions() async throws { try await SQLiteHarness.run(LedgerStorageContract.hubTransactions) }
    @Test("concurrent appends keep one consistent tree")
    func concurrent() async throws { try await SQLiteHarness.run(LedgerStorageContract.concurrentAppends) }
    @Test("verify names an altered entry by index")
    func tamperedEntry() async throws { try await SQLiteHarness.run(LedgerStorageContract.auditNamesAlteredEntry) }
    @Test("verify catches an entry rewritten with its leaf hash, and a tampered head")
    func tamperedConsistently() async throws { try await SQLiteHarness.run(LedgerStorageContract.auditCatchesConsistentRewrite) }
    @Test("verify catches a tampered stored subtree hash (the hashes proofs are built from)")
    func tamperedSubtreeHash() async throws { try await SQLiteHarness.run(LedgerStorageContract.auditCatchesTamperedSubtreeHash) }
}

/// Skipped — loudly — when HIVE_TEST_POSTGRES_URL is unset; CI always sets it
/// (`source scripts/ci/postgres.sh`).
@Suite(
    "Ledger storage: PostgreSQL",
    .enabled(
        if: PostgresHarness.url != nil,
        "SKIPPED: HIVE_TEST_POSTGRES_URL is not set, so the PostgreSQL ledger store was NOT tested (run `source scripts/ci/postgres.sh` first)"
    )
)
struct PostgresLedgerStorageTests {
    @Test("appends, reads and proofs match the in-memory reference")
    func appends() async throws { try await PostgresHarness.run(LedgerStorageContract.appendsReadsAndProofs) }
    @Test("bad input is refused and changes nothing")
    func badInput() async throws { try await PostgresHarness.run(LedgerStorageContract.badInputChangesNothing) }
    @Test("signed tree heads: rules, lookups, receipts, consistency")
    func heads() async throws { try await PostgresHarness.run(LedgerStorageContract.treeHeads) }
    @Test("rows cannot be updated or deleted")
    func immutable() async throws { try await PostgresHarness.run(LedgerStorageContract.rowsAreImmutable) }
    @Test("appends join the hub's transaction and roll back with it")
    func hubTransactions() async throws { try await PostgresHarness.run(LedgerStorageContract.hubTransactions) }
    @Test("concurrent appends keep one consistent tree")
    func concurrent() async throws { try await PostgresHarness.run(LedgerStorageContract.concurrentAppends) }
    @Test("verify names an altered entry by index")
    func tamperedEntry() async throws { try await PostgresHarness.run(LedgerStorageContract.auditNamesAlteredEntry) }
    @Test("verify catches an entry rewritten with its leaf hash, and a tampered head")
    func tamperedConsistently() async throws { try await PostgresHarness.run(LedgerStorageContract.auditCatchesConsistentRewrite) }
    @Test("verify catches a tampered stored subtree hash (the hashes proofs are built from)")
    func tamperedSubtreeHash() async throws { try await PostgresHarness.run(LedgerStorageContract.auditCatchesTamperedSubtreeHash) }
}

@Suite("Ledger storage: opening")
struct LedgerOpeningTests {
    @Test("verify on a directory with no hub.sqlite fails with not-found, creating nothing")
    func missingFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hive-none-\(UUID().uuidString)").path
        await LedgerStorageContract.expectError(.notFound) {
            try await HiveLedgerStorage.LedgerVerification.audit(dataDirectory: directory)
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("malformed PostgreSQL URLs are refused with invalid-input and never echo the password")
    func badURLs() throws {
        for url in ["http://x@h/db", "postgres://h/db", "not a url", "postgres://u:secret@/db", "postgres://u@h/db?sslmode=bogus"] {
            do {
                _ = try HiveLedgerStorage.PostgresURL.configuration(url)
                Issue.record("accepted \(url)")
            } catch let error as HiveCore.HiveError {
                #expect(error.code == .invalidInput)
                #expect(!error.message.contains("secret"))
            }
        }
    }
}

import HiveCore
import HiveLedgerStorage
