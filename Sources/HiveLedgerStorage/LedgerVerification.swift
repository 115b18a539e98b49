import HiveCore
import HiveLedger
import Logging

/// What `hive ledger verify` runs: open a hub's ledger read-only and audit it.
public enum LedgerVerification {
    /// Audits the ledger in `<dataDirectory>/hub.sqlite`.
    public static func audit(
        dataDirectory: String, publicKey: [UInt8]? = nil, progress: @escaping (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> LedgerAuditReport {
        let store = try SQLiteLedgerStore.open(dataDirectory: dataDirectory, readOnly: true)
        return try await LedgerAuditor(publicKey: publicKey).audit(store, progress: progress)
    }

    /// Audits the ledger in the PostgreSQL database at `databaseURL` (optionally in a schema).
    public static func audit(
        databaseURL: String, searchPath: String? = nil, publicKey: [UInt8]? = nil,
        progress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> LedgerAuditReport {
        var logger = Logger(label: "hive.ledger.verify")
        logger.logLevel = .error
        do {
            return try await PostgresLedgerStore.withStore(
                url: databaseURL, searchPath: searchPath, createSchema: false, logger: logger
            ) { store in
                try await LedgerAuditor(publicKey: publicKey).audit(store, progress: progress)
            }
        } catch let error as HiveError where error.code == .io && error.message.contains("ConnectionPoolError") {
            // The pool reports a refused connection as a tripped circuit breaker; say it plainly.
            throw HiveError(.unavailable, "cannot connect to PostgreSQL at \(PostgresURL.redacted(databaseURL))")
        }
    }
}
