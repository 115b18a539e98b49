import Foundation
import GRDB
import HiveCore
import HiveLedger

/// The ledger's SQLite schema and operations, as functions over a GRDB `Database`, so the hub
/// can append ledger entries inside its own write transaction:
///
/// ```swift
/// try await hubDatabase.write { db in
///     try saveEnvelope(envelope, db)                              // the hub's own tables
///     let range = try LedgerSQLite.append([entryBytes], in: db)   // same transaction
///     …
/// }
/// ```
///
/// Tables (all prefixed `ledger_`, rows never updated or deleted — triggers refuse it):
/// - `ledger_entries(idx, data, leaf_hash)`: entry `idx` and `SHA-256(0x00 ‖ data)`;
/// - `ledger_nodes(ord, hash)`: every complete interior subtree, keyed by its position in
///   completion order (``NodeID/interiorOrdinal``), so inserts append to the B-tree;
/// - `ledger_tree_heads(tree_size, timestamp_ms, root_hash, signer_key, signature)`.
public enum LedgerSQLite {
    /// The hub's database file inside its data directory.
    public static let databaseFileName = "hub.sqlite"

    /// Name of the ledger's migration, for migrators that list what they applied.
    public static let migrationName = "ledger-v1"

    /// Adds the ledger's tables to a migrator (the hub registers them in its own migrator).
    public static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration(migrationName) { db in try createSchema(db) }
    }

    /// Creates the ledger's tables and immutability triggers if they do not exist.
    public static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS ledger_entries (
                idx INTEGER PRIMARY KEY CHECK (idx >= 0),
                data BLOB NOT NULL,
                leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32)
            );
            CREATE TABLE IF NOT EXISTS ledger_nodes (
                ord INTEGER PRIMARY KEY CHECK (ord >= 0),
                hash BLOB NOT NULL CHECK (length(hash) = 32)
            );
            CREATE TABLE IF NOT EXISTS ledger_tree_heads (
                tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
                timestamp_ms INTEGER NOT NULL,
                root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
                signer_key BLOB NOT NULL CHECK (length(signer_key) = 32),
                signature BLOB NOT NULL CHECK (length(signature) = 64)
            );
            """)
        for table in ["ledger_entries", "ledger_nodes", "ledger_tree_heads"] {
            for event in ["UPDATE", "DELETE"] {
                try db.execute(sql: """
                    CREATE TRIGGER IF NOT EXISTS \(table)_no_\(event.lowercased())
                    BEFORE \(event) ON \(table)
                    BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable'); END;
                    """)
            }
        }
    }

    // MARK: - Appending

    /// Appends `entries` as one batch inside the caller's transaction (in a savepoint, so a
    /// failure leaves the caller's transaction as it was); returns the entries' indices.
    @discardableResult
    public static func append(_ entries: [[UInt8]], in db: Database) throws -> Range<UInt64> {
        try LedgerLimits.validate(batch: entries)
        var result: Range<UInt64> = 0..<0
        try wrap {
            try db.inSavepoint {
                let size = try self.size(db)
                var frontier = try MerkleFrontier(size: size, hashes: try nodeHashes(NodeID.frontier(ofSize: size), in: db))
                let rows = frontier.append(batch: entries)
                // Multi-row INSERTs: one statement step per 256 rows instead of one per row.
                // Values go in as `DatabaseValue`s directly (no existential boxing per value).
                var entryValues: [DatabaseValue] = []
                entryValues.reserveCapacity(entries.count * 3)
                for offset in entries.indices {
                    entryValues.append((Int64(rows.firstIndex) + Int64(offset)).databaseValue)
                    entryValues.append(Data(entries[offset]).databaseValue)
                    entryValues.append(rows.leafHashes[offset].data.databaseValue)
                }
                try insertRows(db, .entries, values: entryValues)
                var nodeValues: [DatabaseValue] = []
                nodeValues.reserveCapacity(rows.interiorNodes.count * 2)
                for node in rows.interiorNodes {
                    nodeValues.append(Int64(node.ordinal).databaseValue)
                    nodeValues.append(node.hash.data.databaseValue)
                }
                try insertRows(db, .nodes, values: nodeValues)
                result = rows.firstIndex..<frontier.size
                return .commit
            }
        }
        return result
    }

    /// Rows per multi-row INSERT statement.
    static let rowsPerInsert = 256

    /// The two tables appends write, with their multi-row INSERT statements.
    private enum InsertTarget {
        case entries, nodes

        var columns: Int { self == .entries ? 3 : 2 }

        /// The INSERT for `rows` rows (built once for full chunks: the SQL is also the cache key).
        func sql(rows: Int) -> String {
            if rows == LedgerSQLite.rowsPerInsert { return self == .entries ? Self.fullEntries : Self.fullNodes }
            return Self.build(self, rows: rows)
        }

        private static let fullEntries = build(.entries, rows: LedgerSQLite.rowsPerInsert)
        private static let fullNodes = build(.nodes, rows: LedgerSQLite.rowsPerInsert)

        private static func build(_ target: InsertTarget, rows: Int) -> String {
            let prefix = target == .entries
                ? "INSERT INTO ledger_entries (idx, data, leaf_hash) VALUES " : "INSERT INTO ledger_nodes (ord, hash) VALUES "
            let tuple = target == .entries ? "(?,?,?)" : "(?,?)"
            return prefix + Array(repeating: tuple, count: rows).joined(separator: ",")
        }
    }

    /// Inserts `values` (row-major) with cached multi-row statements.
    private static func insertRows(_ db: Database, _ target: InsertTarget, values: [DatabaseValue]) throws {
        let columns = target.columns
        let rowCount = values.count / columns
        var row = 0
        while row < rowCount {
            let count = min(rowsPerInsert, rowCount - row)
            let statement = try db.cachedStatement(sql: target.sql(rows: count))
            statement.setUncheckedArguments(StatementArguments(values[(row * columns)..<((row + count) * columns)]))
            try statement.execute()
            row += count
        }
    }

    // MARK: - Reading

    /// Number of entries.
    public static func size(_ db: Database) throws -> UInt64 {
        try wrap {
            let statement = try db.cachedStatement(sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries")
            let next = try Int64.fetchOne(statement) ?? 0
            return UInt64(next)
        }
    }

    /// Entries at `range`, in order.
    public static func entries(in range: Range<UInt64>, _ db: Database) throws -> [[UInt8]] {
        try LedgerLimits.validate(range: range, size: try size(db))
        return try wrap {
            var result: [[UInt8]] = []
            result.reserveCapacity(Int(range.upperBound - range.lowerBound))
            let rows = try Row.fetchCursor(
                db, sql: "SELECT data FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(range.lowerBound), Int64(range.upperBound)])
            while let row = try rows.next() {
                let data: Data = row[0]
                result.append(Array(data))
            }
            try expectCount(result.count, range)
            return result
        }
    }

    /// Stored leaf hashes at `range`, in order.
    public static func leafHashes(in range: Range<UInt64>, _ db: Database) throws -> [TreeHash] {
        try LedgerLimits.validate(range: range, size: try size(db))
        return try wrap {
            var result: [TreeHash] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT leaf_hash FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(range.lowerBound), Int64(range.upperBound)])
            while let row = try rows.next() {
                result.append(try hash(row, 0))
            }
            try expectCount(result.count, range)
            return result
        }
    }

    /// Stored hashes of complete subtrees, aligned with `nodes`.
    public static func nodeHashes(_ nodes: [NodeID], in db: Database) throws -> [TreeHash] {
        if nodes.isEmpty { return [] }
        return try wrap {
            let leaves = nodes.filter { $0.level == 0 }.map { Int64(clamping: $0.index) }
            let interior = nodes.filter { $0.level > 0 }.map { Int64(clamping: $0.interiorOrdinal) }
            let leafHashes = try fetchHashes(table: "ledger_entries", key: "idx", column: "leaf_hash", keys: leaves, db)
            let interiorHashes = try fetchHashes(table: "ledger_nodes", key: "ord", column: "hash", keys: interior, db)
            return try nodes.map { node in
                let found = node.level == 0
                    ? leafHashes[Int64(clamping: node.index)] : interiorHashes[Int64(clamping: node.interiorOrdinal)]
                guard let found else { throw HiveError(.notFound, "\(node) is not in the ledger") }
                return found
            }
        }
    }

    /// Reads `column` for `keys`: one range scan when the keys are dense (auditing), else one
    /// point lookup per key through a statement prepared once per connection (proofs and
    /// frontiers need ~2 log₂ n sparse keys; re-preparing an IN list per call cost more than
    /// the lookups themselves).
    private static func fetchHashes(
        table: String, key: String, column: String, keys: [Int64], _ db: Database
    ) throws -> [Int64: TreeHash] {
        guard let low = keys.min(), let high = keys.max() else { return [:] }
        var result: [Int64: TreeHash] = [:]
        result.reserveCapacity(keys.count)
        if high - low < Int64(keys.count) * 2 {
            let statement = try db.cachedStatement(sql: "SELECT \(key), \(column) FROM \(table) WHERE \(key) BETWEEN ? AND ?")
            statement.setUncheckedArguments([low, high])
            let rows = try Row.fetchCursor(statement)
            while let row = try rows.next() {
                result[row[0]] = try hash(row, 1)
            }
        } else {
            let statement = try db.cachedStatement(sql: "SELECT \(column) FROM \(table) WHERE \(key) = ?")
            for key in keys where result[key] == nil {
                statement.setUncheckedArguments([key])
                // The cursor's row reads the statement in place (fetchOne would copy it), so
                // the cursor must outlive the read: releasing it resets the statement.
                let cursor = try Row.fetchCursor(statement)
                try withExtendedLifetime(cursor) {
                    if let row = try cursor.next() {
                        result[key] = try hash(row, 0)
                    }
                }
            }
        }
        return result
    }

    /// A stored 32-byte hash column, read without copying the blob into a `Data` first.
    private static func hash(_ row: Row, _ column: Int) throws -> TreeHash {
        try row.withUnsafeData(atIndex: column) { data in
            guard let data else { throw HiveError(.malformed, "ledger row has a NULL hash") }
            return try data.withUnsafeBytes { try TreeHash(rawBytes: $0) }
        }
    }

    // MARK: - Tree heads

    /// Stores a signed tree head after checking it against the log (see ``TreeHeadRules``).
    public static func storeTreeHead(_ head: SignedTreeHead, in db: Database) throws {
        try wrap {
            try db.inSavepoint {
                let size = try self.size(db)
                try TreeHeadRules.checkSize(head, logSize: size)
                let plan = try ProofPlan.root(ofSize: head.treeSize, currentSize: size)
                let root = try plan.assemble(nodeHashes: try nodeHashes(plan.nodes, in: db)).first ?? Merkle.emptyRoot
                let existing = try treeHead(size: head.treeSize, db)
                let below = try fetchHead(db, "WHERE tree_size < ? ORDER BY tree_size DESC LIMIT 1", [Int64(head.treeSize)])
                let above = try fetchHead(db, "WHERE tree_size > ? ORDER BY tree_size ASC LIMIT 1", [Int64(head.treeSize)])
                if try TreeHeadRules.admit(head, logSize: size, rootAtSize: root, existing: existing, below: below, above: above) {
                    guard head.timestampMs <= UInt64(Int64.max) else {
                        throw HiveError(.invalidInput, "tree head timestamp \(head.timestampMs) is out of range")
                    }
                    try db.execute(
                        sql: "INSERT INTO ledger_tree_heads (tree_size, timestamp_ms, root_hash, signer_key, signature) VALUES (?, ?, ?, ?, ?)",
                        arguments: [Int64(head.treeSize), Int64(head.timestampMs), Data(head.rootHash.bytes), Data(head.signerKey), Data(head.signature)])
                }
                return .commit
            }
        }
    }

    /// The head stored for exactly `treeSize`.
    public static func treeHead(size treeSize: UInt64, _ db: Database) throws -> SignedTreeHead? {
        guard treeSize <= UInt64(Int64.max) else { return nil }
        return try fetchHead(db, "WHERE tree_size = ?", [Int64(treeSize)])
    }

    /// The head with the largest tree size.
    public static func latestTreeHead(_ db: Database) throws -> SignedTreeHead? {
        try fetchHead(db, "ORDER BY tree_size DESC LIMIT 1", [])
    }

    /// Heads with sizes in `sizes`, by increasing size.
    public static func treeHeads(sizes: Range<UInt64>, _ db: Database) throws -> [SignedTreeHead] {
        let low = Int64(clamping: sizes.lowerBound), high = Int64(clamping: sizes.upperBound)
        return try wrap {
            try Row.fetchAll(
                db, sql: "SELECT tree_size, timestamp_ms, root_hash, signer_key, signature FROM ledger_tree_heads WHERE tree_size >= ? AND tree_size < ? ORDER BY tree_size",
                arguments: [low, high]
            ).map(head(from:))
        }
    }

    private static func fetchHead(_ db: Database, _ clause: String, _ arguments: StatementArguments) throws -> SignedTreeHead? {
        try wrap {
            try Row.fetchOne(
                db, sql: "SELECT tree_size, timestamp_ms, root_hash, signer_key, signature FROM ledger_tree_heads \(clause)",
                arguments: arguments
            ).map(head(from:))
        }
    }

    private static func head(from row: Row) throws -> SignedTreeHead {
        let size: Int64 = row[0], timestamp: Int64 = row[1]
        let root: Data = row[2], key: Data = row[3], signature: Data = row[4]
        guard size >= 0, timestamp >= 0 else { throw HiveError(.malformed, "ledger_tree_heads row has a negative size or timestamp") }
        return SignedTreeHead(
            treeSize: UInt64(size), timestampMs: UInt64(timestamp), rootHash: try TreeHash(bytes: root),
            signerKey: Array(key), signature: Array(signature))
    }

    // MARK: - Proofs inside a transaction

    /// An inclusion proof read inside the caller's transaction.
    public static func inclusionProof(leafIndex: UInt64, treeSize: UInt64, _ db: Database) throws -> InclusionProof {
        let plan = try ProofPlan.inclusion(leafIndex: leafIndex, treeSize: treeSize, currentSize: try size(db))
        return InclusionProof(leafIndex: leafIndex, treeSize: treeSize, path: try plan.assemble(nodeHashes: try nodeHashes(plan.nodes, in: db)))
    }

    /// A consistency proof read inside the caller's transaction.
    public static func consistencyProof(firstSize: UInt64, secondSize: UInt64, _ db: Database) throws -> ConsistencyProof {
        let plan = try ProofPlan.consistency(firstSize: firstSize, secondSize: secondSize, currentSize: try size(db))
        return ConsistencyProof(firstSize: firstSize, secondSize: secondSize, path: try plan.assemble(nodeHashes: try nodeHashes(plan.nodes, in: db)))
    }

    /// Signs and stores a head for the current size inside the caller's transaction, or
    /// returns the head already stored for that size.
    public static func signTreeHead(signer: some TreeHeadSigner, timestampMs: UInt64, _ db: Database) throws -> SignedTreeHead {
        let size = try size(db)
        if let existing = try treeHead(size: size, db) { return existing }
        let plan = try ProofPlan.root(ofSize: size, currentSize: size)
        let root = try plan.assemble(nodeHashes: try nodeHashes(plan.nodes, in: db)).first ?? Merkle.emptyRoot
        let head = try SignedTreeHead.sign(treeSize: size, timestampMs: timestampMs, rootHash: root, signer: signer)
        try storeTreeHead(head, in: db)
        return head
    }

    // MARK: - Helpers

    private static func expectCount(_ count: Int, _ range: Range<UInt64>) throws {
        guard UInt64(count) == range.upperBound - range.lowerBound else {
            throw HiveError(.inconsistent, "ledger_entries has gaps in \(range.lowerBound)..<\(range.upperBound)")
        }
    }

    /// Maps SQLite failures to ``HiveError/Code/io`` (HiveErrors pass through).
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HiveError {
            throw error
        } catch let error as DatabaseError {
            throw HiveError(.io, "ledger SQLite: \(error.message ?? error.description)")
        }
    }
}

extension TreeHash {
    /// The hash as a SQLite blob.
    var data: Data { withUnsafeBytes { Data($0) } }
}
