import Crypto
import Foundation
import GRDB
import HiveCore
import HiveLedger
import HiveLedgerStorage
import Logging
import PostgresNIO

/// One backend under the shared contract: a fresh store plus the raw access an attacker with
/// database access (or the hub's own transaction) would have.
struct LedgerHarness: Sendable {
    var store: any LedgerStorage
    /// Runs SQL outside the ledger's API.
    var execute: @Sendable (String) async throws -> Void
    /// Drops the immutability triggers (what an attacker with DBA rights could do).
    var dropTriggers: @Sendable () async throws -> Void
    /// SQL literal for a byte string.
    var blobLiteral: @Sendable ([UInt8]) -> String
    /// Appends inside a caller transaction that also runs `hubWork`, then commits (or rolls
    /// back if `hubWork` throws).
    var appendInHubTransaction: @Sendable ([[UInt8]], _ fail: Bool) async throws -> Range<UInt64>
    /// Opens the same database again through the `hive ledger verify` entry point.
    var verify: @Sendable ([UInt8]?) async throws -> LedgerAuditReport
}

struct HubWorkFailed: Error {}

enum SQLiteHarness {
    static func run(_ body: @Sendable (LedgerHarness) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hive-ledger-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteLedgerStore.open(dataDirectory: directory)
        let writer = store.writer
        let harness = LedgerHarness(
            store: store,
            execute: { sql in try await writer.write { try $0.execute(sql: sql) } },
            dropTriggers: {
                try await writer.write { db in
                    for table in ["ledger_entries", "ledger_nodes", "ledger_tree_heads"] {
                        try db.execute(sql: "DROP TRIGGER \(table)_no_update; DROP TRIGGER \(table)_no_delete")
                    }
                }
            },
            blobLiteral: { "X'" + $0.map { String(format: "%02x", $0) }.joined() + "'" },
            appendInHubTransaction: { entries, fail in
                try await writer.write { db in
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS hub_things (id INTEGER PRIMARY KEY)")
                    try db.execute(sql: "INSERT INTO hub_things DEFAULT VALUES")
                    let range = try LedgerSQLite.append(entries, in: db)
                    if fail { throw HubWorkFailed() }
                    return range
                }
            },
            verify: { key in try await LedgerVerification.audit(dataDirectory: directory, publicKey: key) }
        )
        try await body(harness)
    }
}

enum PostgresHarness {
    static let url = ProcessInfo.processInfo.environment["HIVE_TEST_POSTGRES_URL"]
    // Errors only: PostgresNIO warns when a lease races the pool's start-up, which is harmless.
    static let logger: Logger = {
        var logger = Logger(label: "hive.ledger.tests")
        logger.logLevel = .error
        return logger
    }()

    static func run(_ body: @Sendable (LedgerHarness) async throws -> Void) async throws {
        guard let url else { throw HiveError(.unavailable, "HIVE_TEST_POSTGRES_URL is not set") }
        let schema = "ledger_test_\(UInt64.random(in: 0...UInt64.max))"
        try await admin(url) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger) }
        do {
            try await PostgresLedgerStore.withStore(url: url, searchPath: schema, logger: logger) { store in
                let client = store.client
                let harness = LedgerHarness(
                    store: store,
                    execute: { sql in
                        try await client.withConnection { _ = try await $0.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                    },
                    dropTriggers: {
                        try await client.withConnection { connection in
                            for table in ["ledger_entries", "ledger_nodes", "ledger_tree_heads"] {
                                try await connection.query(PostgresQuery(unsafeSQL: "DROP TRIGGER \(table)_immutable ON \(table)"), logger: logger)
                            }
                        }
                    },
                    blobLiteral: { "'\\x" + $0.map { String(format: "%02x", $0) }.joined() + "'::bytea" },
                    appendInHubTransaction: { entries, fail in
                        _ = try await client.withConnection { connection in
                            try await connection.query("CREATE TABLE IF NOT EXISTS hub_things (id BIGSERIAL PRIMARY KEY)", logger: logger)
                        }
                        do {
                            return try await client.withTransaction(logger: logger) { connection in
                                try await connection.query("INSERT INTO hub_things DEFAULT VALUES", logger: logger)
                                let range = try await LedgerPostgres.append(entries, on: connection, logger: logger)
                                if fail { throw HubWorkFailed() }
                                return range
                            }
                        } catch let error as PostgresTransactionError {
                            throw error.closureError ?? error
                        }
                    },
                    verify: { key in
                        try await LedgerVerification.audit(databaseURL: url, searchPath: schema, publicKey: key)
                    }
                )
                try await body(harness)
            }
        } catch {
            try? await admin(url) { try await $0.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger) }
            throw error
        }
        try await admin(url) { try await $0.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger) }
    }

    private static func admin(_ url: String, _ body: @Sendable (PostgresConnection) async throws -> Void) async throws {
        let client = PostgresClient(configuration: try PostgresURL.configuration(url), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.withConnection { try await body($0) }
        }
    }
}
