import Foundation
import GRDB
import HiveCore
import HiveLedger

/// A ledger in a SQLite database of its own (or the hub's), through a GRDB writer.
///
/// Every call is one transaction. To append inside a larger transaction use ``LedgerSQLite``
/// directly on the `Database` the hub's `write { db in … }` hands out.
public final class SQLiteLedgerStore: LedgerStorage {
    /// The database the ledger lives in.
    public let writer: any DatabaseWriter

    /// Wraps an open writer whose schema already includes the ledger's tables (the hub's).
    public init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Opens (creating if needed) `<dataDirectory>/hub.sqlite` in WAL mode and migrates the
    /// ledger's tables. `readOnly` opens an existing file for auditing without writing to it.
    public static func open(dataDirectory: String, readOnly: Bool = false) throws -> SQLiteLedgerStore {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(LedgerSQLite.databaseFileName).path
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw HiveError(.notFound, "no ledger database at \(path)")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            } catch {
                throw HiveError(.io, "cannot create data directory \(dataDirectory): \(error.localizedDescription)")
            }
        }
        return try LedgerSQLite.wrap {
            var configuration = Configuration()
            configuration.readonly = readOnly
            configuration.busyMode = .timeout(10)
            let pool = try DatabasePool(path: path, configuration: configuration)
            if !readOnly {
                var migrator = DatabaseMigrator()
                LedgerSQLite.registerMigrations(in: &migrator)
                try migrator.migrate(pool)
            } else {
                let hasTables = try pool.read { try $0.tableExists("ledger_entries") }
                guard hasTables else { throw HiveError(.notFound, "\(path) holds no ledger tables") }
            }
            return SQLiteLedgerStore(writer: pool)
        }
    }

    public func size() async throws -> UInt64 {
        try await read { try LedgerSQLite.size($0) }
    }

    @discardableResult
    public func append(_ entries: [[UInt8]]) async throws -> Range<UInt64> {
        try await write { try LedgerSQLite.append(entries, in: $0) }
    }

    public func entries(in range: Range<UInt64>) async throws -> [[UInt8]] {
        try await read { try LedgerSQLite.entries(in: range, $0) }
    }

    public func leafHashes(in range: Range<UInt64>) async throws -> [TreeHash] {
        try await read { try LedgerSQLite.leafHashes(in: range, $0) }
    }

    public func nodeHashes(_ nodes: [NodeID]) async throws -> [TreeHash] {
        try await read { try LedgerSQLite.nodeHashes(nodes, in: $0) }
    }

    public func storeTreeHead(_ head: SignedTreeHead) async throws {
        try await write { try LedgerSQLite.storeTreeHead(head, in: $0) }
    }

    public func treeHead(size treeSize: UInt64) async throws -> SignedTreeHead? {
        try await read { try LedgerSQLite.treeHead(size: treeSize, $0) }
    }

    public func latestTreeHead() async throws -> SignedTreeHead? {
        try await read { try LedgerSQLite.latestTreeHead($0) }
    }

    public func treeHeads(sizes: Range<UInt64>) async throws -> [SignedTreeHead] {
        try await read { try LedgerSQLite.treeHeads(sizes: sizes, $0) }
    }

    /// An inclusion proof from one read transaction (one snapshot, one subtree lookup).
    public func inclusionProof(leafIndex: UInt64, treeSize: UInt64) async throws -> InclusionProof {
        try await read { try LedgerSQLite.inclusionProof(leafIndex: leafIndex, treeSize: treeSize, $0) }
    }

    /// A consistency proof from one read transaction.
    public func consistencyProof(firstSize: UInt64, secondSize: UInt64) async throws -> ConsistencyProof {
        try await read { try LedgerSQLite.consistencyProof(firstSize: firstSize, secondSize: secondSize, $0) }
    }

    /// One read transaction (a consistent snapshot for multi-query operations such as proofs).
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await LedgerSQLite.wrapAsync { try await self.writer.read(body) }
    }

    /// One write transaction.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await LedgerSQLite.wrapAsync { try await self.writer.write(body) }
    }
}

extension LedgerSQLite {
    static func wrapAsync<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HiveError {
            throw error
        } catch let error as DatabaseError {
            throw HiveError(.io, "ledger SQLite: \(error.message ?? error.description)")
        }
    }
}
