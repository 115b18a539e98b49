import HiveCore
import HiveLedger
import Logging
import PostgresNIO

/// A ledger in PostgreSQL, through a `PostgresClient` pool (several hub replicas may share it:
/// appends serialise on an advisory lock).
///
/// Every call is one transaction or one read. To append inside the hub's own transaction use
/// ``LedgerPostgres`` on the connection `withTransaction` hands out.
public final class PostgresLedgerStore: LedgerStorage {
    public let client: PostgresClient
    let logger: Logger

    /// Wraps a client whose `run()` the caller drives (e.g. in the hub's `ServiceGroup`).
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Connects to `url`, creates the ledger's tables if needed, runs `body` with the store and
    /// shuts the client down afterwards. `searchPath` selects a schema (tests isolate themselves).
    /// With `createSchema` false (auditing) nothing is written and a database without the
    /// ledger's tables is ``HiveError/Code/notFound``.
    public static func withStore<T: Sendable>(
        url: String, searchPath: String? = nil, createSchema: Bool = true,
        logger: Logger = Logger(label: "hive.ledger.postgres"),
        _ body: @Sendable (PostgresLedgerStore) async throws -> T
    ) async throws -> T {
        var configuration = try PostgresURL.configuration(url)
        if let searchPath { configuration.options.additionalStartupParameters = [("search_path", searchPath)] }
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            let store = PostgresLedgerStore(client: client, logger: logger)
            try await LedgerPostgres.wrap {
                try await client.withConnection { connection in
                    if createSchema {
                        try await LedgerPostgres.createSchema(on: connection, logger: logger)
                    } else {
                        let rows = try await connection.query("SELECT to_regclass('ledger_entries') IS NOT NULL", logger: logger)
                        var exists = false
                        for try await value in rows.decode(Bool.self) { exists = value }
                        guard exists else { throw HiveError(.notFound, "the database holds no ledger tables") }
                    }
                }
            }
            return try await body(store)
        }
    }

    public func size() async throws -> UInt64 {
        try await read { [logger] in try await LedgerPostgres.size(on: $0, logger: logger) }
    }

    @discardableResult
    public func append(_ entries: [[UInt8]]) async throws -> Range<UInt64> {
        try await transaction { [logger] in try await LedgerPostgres.append(entries, on: $0, logger: logger) }
    }

    public func entries(in range: Range<UInt64>) async throws -> [[UInt8]] {
        try await read { [logger] in try await LedgerPostgres.entries(in: range, on: $0, logger: logger) }
    }

    public func leafHashes(in range: Range<UInt64>) async throws -> [TreeHash] {
        try await read { [logger] in try await LedgerPostgres.leafHashes(in: range, on: $0, logger: logger) }
    }

    public func nodeHashes(_ nodes: [NodeID]) async throws -> [TreeHash] {
        try await read { [logger] in try await LedgerPostgres.nodeHashes(nodes, on: $0, logger: logger) }
    }

    public func storeTreeHead(_ head: SignedTreeHead) async throws {
        try await transaction { [logger] in try await LedgerPostgres.storeTreeHead(head, on: $0, logger: logger) }
    }

    public func treeHead(size treeSize: UInt64) async throws -> SignedTreeHead? {
        try await read { [logger] in try await LedgerPostgres.treeHead(size: treeSize, on: $0, logger: logger) }
    }

    public func latestTreeHead() async throws -> SignedTreeHead? {
        try await read { [logger] in try await LedgerPostgres.latestTreeHead(on: $0, logger: logger) }
    }

    public func treeHeads(sizes: Range<UInt64>) async throws -> [SignedTreeHead] {
        try await read { [logger] in try await LedgerPostgres.treeHeads(sizes: sizes, on: $0, logger: logger) }
    }

    /// Runs `body` on one pooled connection.
    public func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await LedgerPostgres.wrap { try await client.withConnection { try await body($0) } }
    }

    /// Runs `body` in one transaction (committed if it returns, rolled back if it throws).
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await LedgerPostgres.wrap { try await client.withTransaction(logger: logger) { try await body($0) } }
    }
}
