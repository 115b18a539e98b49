import HiveCore
import HiveLedger
import Logging
import PostgresNIO

/// The ledger's PostgreSQL schema and operations, as functions over a `PostgresConnection`,
/// so the hub can append ledger entries inside its own transaction:
///
/// ```swift
/// try await client.withTransaction(logger: logger) { connection in
///     try await saveEnvelope(envelope, connection)                                // hub tables
///     let range = try await LedgerPostgres.append([entryBytes], on: connection, logger: logger)
/// }
/// ```
///
/// Functions that write must run inside a transaction: ``append(_:on:logger:)`` takes a
/// transaction-scoped advisory lock (key ``appendLockKey``) so that several hub replicas
/// append one after another, each extending the tree the previous one committed.
/// Same tables as ``LedgerSQLite`` (`ledger_entries`, `ledger_nodes`, `ledger_tree_heads`),
/// made immutable by triggers.
public enum LedgerPostgres {
    /// `pg_advisory_xact_lock` key serialising appends ("LEDGER" in ASCII).
    public static let appendLockKey: Int64 = 0x4C45_4447_4552

    /// Creates the tables, the immutability function and triggers if they do not exist.
    /// Safe to run concurrently from several replicas (it serialises on the append lock).
    public static func createSchema(on connection: PostgresConnection, logger: Logger) async throws {
        try await wrap {
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(appendLockKey))", logger: logger)
                for statement in [
                    """
                    CREATE TABLE IF NOT EXISTS ledger_entries (
                        idx BIGINT PRIMARY KEY CHECK (idx >= 0),
                        data BYTEA NOT NULL,
                        leaf_hash BYTEA NOT NULL CHECK (length(leaf_hash) = 32))
                    """,
                    """
                    CREATE TABLE IF NOT EXISTS ledger_nodes (
                        ord BIGINT PRIMARY KEY CHECK (ord >= 0),
                        hash BYTEA NOT NULL CHECK (length(hash) = 32))
                    """,
                    """
                    CREATE TABLE IF NOT EXISTS ledger_tree_heads (
                        tree_size BIGINT PRIMARY KEY CHECK (tree_size >= 0),
                        timestamp_ms BIGINT NOT NULL,
                        root_hash BYTEA NOT NULL CHECK (length(root_hash) = 32),
                        signer_key BYTEA NOT NULL CHECK (length(signer_key) = 32),
                        signature BYTEA NOT NULL CHECK (length(signature) = 64))
                    """,
                    """
                    CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'ledger rows are immutable'; END $$
                    """,
                    appendPreparedFunction,
                ] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                for table in ["ledger_entries", "ledger_nodes", "ledger_tree_heads"] {
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        CREATE OR REPLACE TRIGGER \(table)_immutable BEFORE UPDATE OR DELETE ON \(table)
                        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
                        """), logger: logger)
                    try await connection.query(PostgresQuery(unsafeSQL: """
                        CREATE OR REPLACE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table)
                        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
                        """), logger: logger)
                }
            }
        }
    }

    // MARK: - Appending

    /// Appends `entries` as one batch. Must run inside the caller's transaction.
    @discardableResult
    public static func append(_ entries: [[UInt8]], on connection: PostgresConnection, logger: Logger) async throws -> Range<UInt64> {
        try LedgerLimits.validate(batch: entries)
        return try await wrap { try await insert(entries, on: connection, logger: logger).range }
    }

    /// Appends `entries` and signs and stores a tree head covering them, in the caller's
    /// transaction: what ``append(_:on:logger:)`` then ``signTreeHead(signer:timestampMs:on:logger:)``
    /// do, in about a third of the round trips. The new root comes from the in-memory frontier,
    /// and the only stored head the new one must follow is the latest (none can be larger while
    /// the append lock is held). The head's timestamp is `timestampMs`, or the latest head's if
    /// that is later, so heads never run backwards in time.
    public static func appendSigned(
        _ entries: [[UInt8]], signer: some TreeHeadSigner, timestampMs: UInt64, on connection: PostgresConnection, logger: Logger
    ) async throws -> (range: Range<UInt64>, head: SignedTreeHead) {
        try LedgerLimits.validate(batch: entries)
        return try await wrap {
            let (range, frontier) = try await insert(entries, on: connection, logger: logger)
            let latest = try await latestTreeHead(on: connection, logger: logger)
            let root = frontier.rootHash
            let head = try SignedTreeHead.sign(
                treeSize: frontier.size, timestampMs: max(timestampMs, latest?.timestampMs ?? 0), rootHash: root, signer: signer)
            guard try TreeHeadRules.admit(head, logSize: frontier.size, rootAtSize: root, existing: nil, below: latest, above: nil),
                let timestamp = Int64(exactly: head.timestampMs)
            else { throw HiveError(.invalidInput, "tree head timestamp \(head.timestampMs) is out of range") }
            let (rootBytes, key, signature) = (
                ByteBuffer(bytes: head.rootHash.bytes), ByteBuffer(bytes: head.signerKey), ByteBuffer(bytes: head.signature))
            try await connection.query("""
                INSERT INTO ledger_tree_heads (tree_size, timestamp_ms, root_hash, signer_key, signature)
                VALUES (\(Int64(head.treeSize)), \(timestamp), \(rootBytes), \(key), \(signature))
                """, logger: logger)
            return (range, head)
        }
    }

    /// The tip of the log as stored now: its latest head, then its size and frontier. Read outside
    /// the append lock, so another writer may extend the log right after; a tip that is no longer
    /// the log's end is refused by ``appendPrepared(_:after:on:logger:)``, never used.
    public static func loadTip(on connection: PostgresConnection, logger: Logger) async throws -> LedgerTip {
        let latest = try await latestTreeHead(on: connection, logger: logger)
        let size = try await self.size(on: connection, logger: logger)
        let frontier = try await wrap {
            try MerkleFrontier(size: size, hashes: try await nodeHashes(NodeID.frontier(ofSize: size), on: connection, logger: logger))
        }
        return LedgerTip(frontier: frontier, latestHead: latest)
    }

    /// Stores an append computed in memory (``LedgerTip/prepareAppend(_:signer:timestampMs:)``
    /// on `tip`) in one statement, if the log still ends at `tip`: same size, same latest head.
    /// Returns false, having written nothing, if it does not (another writer appended or signed
    /// since); the caller then reloads the tip. Takes the append lock, so call it inside the
    /// caller's transaction or alone (a statement is its own transaction).
    public static func appendPrepared(
        _ prepared: PreparedAppend, after tip: LedgerTip, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        try await wrap {
            let arguments = try PreparedAppendArguments(prepared, after: tip)
            var stored = false
            for try await flag in try await connection.query("""
                SELECT ledger_append_prepared(\(appendLockKey), \(arguments.expectedSize), \(arguments.expectedHeadSize),
                    \(arguments.expectedHeadTimestamp), \(arguments.entries)::bytea[], \(arguments.leafHashes)::bytea[],
                    \(arguments.nodeOrdinals)::int8[], \(arguments.nodeHashes)::bytea[], \(arguments.headSize), \(arguments.headTimestamp),
                    \(arguments.headRoot), \(arguments.headKey), \(arguments.headSignature))
                """, logger: logger
            ).decode(Bool.self) { stored = flag }
            return stored
        }
    }

    /// The arguments of `ledger_append_prepared` (and of functions that call it) for one append.
    public struct PreparedAppendArguments: Sendable {
        public let expectedSize: Int64
        public let expectedHeadSize: Int64?
        public let expectedHeadTimestamp: Int64?
        public let entries: [ByteBuffer]
        public let leafHashes: [ByteBuffer]
        public let nodeOrdinals: [Int64]
        public let nodeHashes: [ByteBuffer]
        public let headSize: Int64
        public let headTimestamp: Int64
        public let headRoot: ByteBuffer
        public let headKey: ByteBuffer
        public let headSignature: ByteBuffer

        public init(_ prepared: PreparedAppend, after tip: LedgerTip) throws {
            guard let size = Int64(exactly: tip.size), let headSize = Int64(exactly: prepared.head.treeSize),
                let headTimestamp = Int64(exactly: prepared.head.timestampMs),
                prepared.rows.firstIndex == tip.size, prepared.head.treeSize == tip.size + UInt64(prepared.entries.count)
            else { throw HiveError(.invalidInput, "the prepared append does not follow the tip at size \(tip.size)") }
            expectedSize = size
            expectedHeadSize = tip.latestHead.flatMap { Int64(exactly: $0.treeSize) }
            expectedHeadTimestamp = tip.latestHead.flatMap { Int64(exactly: $0.timestampMs) }
            entries = prepared.entries.map { ByteBuffer(bytes: $0) }
            leafHashes = prepared.rows.leafHashes.map { ByteBuffer(bytes: $0.bytes) }
            nodeOrdinals = prepared.rows.interiorNodes.map { Int64(clamping: $0.ordinal) }
            nodeHashes = prepared.rows.interiorNodes.map { ByteBuffer(bytes: $0.hash.bytes) }
            self.headSize = headSize
            self.headTimestamp = headTimestamp
            headRoot = ByteBuffer(bytes: prepared.head.rootHash.bytes)
            headKey = ByteBuffer(bytes: prepared.head.signerKey)
            headSignature = ByteBuffer(bytes: prepared.head.signature)
        }
    }

    /// `ledger_append_prepared(lock, expected size, expected latest head size and time, entries,
    /// leaf hashes, node ordinals, node hashes, head size, time, root, key, signature)`: under the
    /// append lock, writes nothing and returns false unless the log has the expected size and
    /// latest head; otherwise stores the rows and the head and returns true. The immutability
    /// triggers and the tables' checks still apply; a head that does not extend the log by the
    /// entries given is refused.
    static let appendPreparedFunction = """
        CREATE OR REPLACE FUNCTION ledger_append_prepared(
            p_lock int8, p_size int8, p_head_size int8, p_head_time int8, p_entries bytea[], p_leaves bytea[],
            p_ordinals int8[], p_hashes bytea[], p_new_size int8, p_new_time int8, p_root bytea, p_key bytea,
            p_signature bytea) RETURNS boolean LANGUAGE plpgsql
            SET plan_cache_mode = force_custom_plan AS $$
        DECLARE
            v_size int8;
            v_head_size int8;
            v_head_time int8;
        BEGIN
            IF p_new_size <> p_size + cardinality(p_entries) OR cardinality(p_leaves) <> cardinality(p_entries) THEN
                RAISE EXCEPTION 'ledger_append_prepared: the head does not cover the entries given';
            END IF;
            PERFORM pg_advisory_xact_lock(p_lock);
            SELECT COALESCE(MAX(idx) + 1, 0) INTO v_size FROM ledger_entries;
            SELECT tree_size, timestamp_ms INTO v_head_size, v_head_time FROM ledger_tree_heads ORDER BY tree_size DESC LIMIT 1;
            IF v_size <> p_size OR v_head_size IS DISTINCT FROM p_head_size OR v_head_time IS DISTINCT FROM p_head_time THEN
                RETURN false;
            END IF;
            INSERT INTO ledger_entries (idx, data, leaf_hash)
                SELECT p_size + u.ord - 1, u.data, u.leaf FROM UNNEST(p_entries, p_leaves) WITH ORDINALITY AS u(data, leaf, ord);
            INSERT INTO ledger_nodes (ord, hash) SELECT * FROM UNNEST(p_ordinals, p_hashes);
            INSERT INTO ledger_tree_heads (tree_size, timestamp_ms, root_hash, signer_key, signature)
                VALUES (p_new_size, p_new_time, p_root, p_key, p_signature);
            RETURN true;
        END $$
        """

    /// Takes the append lock and writes the batch's entries and completed subtrees; returns their
    /// indices and the frontier after them.
    private static func insert(
        _ entries: [[UInt8]], on connection: PostgresConnection, logger: Logger
    ) async throws -> (range: Range<UInt64>, frontier: MerkleFrontier) {
        try await connection.query("SELECT pg_advisory_xact_lock(\(appendLockKey))", logger: logger)
        let size = try await self.size(on: connection, logger: logger)
        var frontier = try MerkleFrontier(
            size: size, hashes: try await nodeHashes(NodeID.frontier(ofSize: size), on: connection, logger: logger))
        let rows = frontier.append(batch: entries)
        let indices = (0..<entries.count).map { Int64(rows.firstIndex) + Int64($0) }
        let data = entries.map { ByteBuffer(bytes: $0) }
        let leaves = rows.leafHashes.map { ByteBuffer(bytes: $0.bytes) }
        try await connection.query("""
            INSERT INTO ledger_entries (idx, data, leaf_hash)
            SELECT * FROM UNNEST(\(indices)::int8[], \(data)::bytea[], \(leaves)::bytea[])
            """, logger: logger)
        if !rows.interiorNodes.isEmpty {
            let ordinals = rows.interiorNodes.map { Int64($0.ordinal) }
            let hashes = rows.interiorNodes.map { ByteBuffer(bytes: $0.hash.bytes) }
            try await connection.query("""
                INSERT INTO ledger_nodes (ord, hash) SELECT * FROM UNNEST(\(ordinals)::int8[], \(hashes)::bytea[])
                """, logger: logger)
        }
        return (rows.firstIndex..<frontier.size, frontier)
    }

    // MARK: - Reading

    /// Number of entries.
    public static func size(on connection: PostgresConnection, logger: Logger) async throws -> UInt64 {
        try await wrap {
            let rows = try await connection.query("SELECT COALESCE(MAX(idx) + 1, 0)::int8 FROM ledger_entries", logger: logger)
            for try await next in rows.decode(Int64.self) { return UInt64(max(0, next)) }
            return 0
        }
    }

    /// Entries at `range`, in order.
    public static func entries(in range: Range<UInt64>, on connection: PostgresConnection, logger: Logger) async throws -> [[UInt8]] {
        try LedgerLimits.validate(range: range, size: try await size(on: connection, logger: logger))
        return try await wrap {
            let (low, high) = (Int64(range.lowerBound), Int64(range.upperBound))
            var result: [[UInt8]] = []
            let rows = try await connection.query(
                "SELECT data FROM ledger_entries WHERE idx >= \(low) AND idx < \(high) ORDER BY idx", logger: logger)
            for try await buffer in rows.decode(ByteBuffer.self) {
                result.append(Array(buffer.readableBytesView))
            }
            try expectCount(result.count, range)
            return result
        }
    }

    /// Stored leaf hashes at `range`, in order.
    public static func leafHashes(in range: Range<UInt64>, on connection: PostgresConnection, logger: Logger) async throws -> [TreeHash] {
        try LedgerLimits.validate(range: range, size: try await size(on: connection, logger: logger))
        return try await wrap {
            let (low, high) = (Int64(range.lowerBound), Int64(range.upperBound))
            var result: [TreeHash] = []
            let rows = try await connection.query(
                "SELECT leaf_hash FROM ledger_entries WHERE idx >= \(low) AND idx < \(high) ORDER BY idx", logger: logger)
            for try await buffer in rows.decode(ByteBuffer.self) {
                result.append(try TreeHash(bytes: buffer.readableBytesView))
            }
            try expectCount(result.count, range)
            return result
        }
    }

    /// Stored hashes of complete subtrees, aligned with `nodes`.
    public static func nodeHashes(_ nodes: [NodeID], on connection: PostgresConnection, logger: Logger) async throws -> [TreeHash] {
        if nodes.isEmpty { return [] }
        return try await wrap {
            let leaves = nodes.filter { $0.level == 0 }.map { Int64(clamping: $0.index) }
            let interior = nodes.filter { $0.level > 0 }.map { Int64(clamping: $0.interiorOrdinal) }
            var leafHashes: [Int64: TreeHash] = [:]
            var interiorHashes: [Int64: TreeHash] = [:]
            if !leaves.isEmpty {
                let rows = try await connection.query(
                    "SELECT idx, leaf_hash FROM ledger_entries WHERE idx = ANY(\(leaves)::int8[])", logger: logger)
                for try await (key, buffer) in rows.decode((Int64, ByteBuffer).self) {
                    leafHashes[key] = try TreeHash(bytes: buffer.readableBytesView)
                }
            }
            if !interior.isEmpty {
                let rows: PostgresRowSequence
                if let low = interior.min(), let high = interior.max(), high - low < Int64(interior.count) * 2 {
                    rows = try await connection.query(
                        "SELECT ord, hash FROM ledger_nodes WHERE ord BETWEEN \(low) AND \(high)", logger: logger)
                } else {
                    rows = try await connection.query(
                        "SELECT ord, hash FROM ledger_nodes WHERE ord = ANY(\(interior)::int8[])", logger: logger)
                }
                for try await (key, buffer) in rows.decode((Int64, ByteBuffer).self) {
                    interiorHashes[key] = try TreeHash(bytes: buffer.readableBytesView)
                }
            }
            return try nodes.map { node in
                let found = node.level == 0
                    ? leafHashes[Int64(clamping: node.index)] : interiorHashes[Int64(clamping: node.interiorOrdinal)]
                guard let found else { throw HiveError(.notFound, "\(node) is not in the ledger") }
                return found
            }
        }
    }

    // MARK: - Tree heads

    /// Stores a signed tree head after checking it (see ``TreeHeadRules``). Must run inside a
    /// transaction.
    public static func storeTreeHead(_ head: SignedTreeHead, on connection: PostgresConnection, logger: Logger) async throws {
        try await wrap {
            try await connection.query("SELECT pg_advisory_xact_lock(\(appendLockKey))", logger: logger)
            let size = try await self.size(on: connection, logger: logger)
            try TreeHeadRules.checkSize(head, logSize: size)
            let plan = try ProofPlan.root(ofSize: head.treeSize, currentSize: size)
            let root = try plan.assemble(nodeHashes: try await nodeHashes(plan.nodes, on: connection, logger: logger)).first
                ?? Merkle.emptyRoot
            let treeSize = Int64(head.treeSize)
            let existing = try await treeHead(size: head.treeSize, on: connection, logger: logger)
            let below = try await fetchHeads(
                "SELECT tree_size, timestamp_ms, root_hash, signer_key, signature FROM ledger_tree_heads WHERE tree_size < \(treeSize) ORDER BY tree_size DESC LIMIT 1",
                connection, logger).first
            let above = try await fetchHeads(
                "SELECT tree_size, timestamp_ms, root_hash, signer_key, signature FROM ledger_tree_heads WHERE tree_size > \(treeSize) ORDER BY tree_size ASC LIMIT 1",
                connection, logger).first
            if try TreeHeadRules.admit(head, logSize: size, rootAtSize: root, existing: existing, below: below, above: above) {
                guard let timestamp = Int64(exactly: head.timestampMs) else {
                    throw HiveError(.invalidInput, "tree head timestamp \(head.timestampMs) is out of range")
                }
                let (rootBytes, key, signature) = (
                    ByteBuffer(bytes: head.rootHash.bytes), ByteBuffer(bytes: head.signerKey), ByteBuffer(bytes: head.signature))
                try await connection.query("""
                    INSERT INTO ledger_tree_heads (tree_size, timestamp_ms, root_hash, signer_key, signature)
                    VALUES (\(treeSize), \(timestamp), \(rootBytes), \(key), \(signature))
                    """, logger: logger)
            }
        }
    }

    /// The head stored for exactly `treeSize`.
    public static func treeHead(size treeSize: UInt64, on connection: PostgresConnection, logger: Logger) async throws -> SignedTreeHead? {
        guard let size = Int64(exactly: treeSize) else { return nil }
        return try await fetchHeads(
            "SELECT tree_size, timestamp_ms, root_hash, signer_key, signature FROM ledger_tree_heads WHERE tree_size = \(size)",
            connection, logger).first
    }

    /// The head with the largest tree size.
    public static func latestTreeHead(on connection: PostgresConnection, logger: Logger) async throws -> SignedTreeHead? {
        try await fetchHeads(
            "SELECT tree_size, timestamp_ms, root_hash, signer_key, signature FROM ledger_tree_heads ORDER BY tree_size DESC LIMIT 1",
            connection, logger).first
    }

    /// Heads with sizes in `sizes`, by increasing size.
    public static func treeHeads(sizes: Range<UInt64>, on connection: PostgresConnection, logger: Logger) async throws -> [SignedTreeHead] {
        let (low, high) = (Int64(clamping: sizes.lowerBound), Int64(clamping: sizes.upperBound))
        return try await fetchHeads(
            "SELECT tree_size, timestamp_ms, root_hash, signer_key, signature FROM ledger_tree_heads WHERE tree_size >= \(low) AND tree_size < \(high) ORDER BY tree_size",
            connection, logger)
    }

    private static func fetchHeads(_ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger) async throws -> [SignedTreeHead] {
        try await wrap {
            var result: [SignedTreeHead] = []
            let rows = try await connection.query(query, logger: logger)
            for try await (size, timestamp, root, key, signature) in rows.decode((Int64, Int64, ByteBuffer, ByteBuffer, ByteBuffer).self) {
                guard size >= 0, timestamp >= 0 else {
                    throw HiveError(.malformed, "ledger_tree_heads row has a negative size or timestamp")
                }
                result.append(SignedTreeHead(
                    treeSize: UInt64(size), timestampMs: UInt64(timestamp), rootHash: try TreeHash(bytes: root.readableBytesView),
                    signerKey: Array(key.readableBytesView), signature: Array(signature.readableBytesView)))
            }
            return result
        }
    }

    // MARK: - Proofs inside a transaction

    /// An inclusion proof read on `connection` (inside a transaction for a consistent snapshot).
    public static func inclusionProof(leafIndex: UInt64, treeSize: UInt64, on connection: PostgresConnection, logger: Logger) async throws -> InclusionProof {
        let plan = try ProofPlan.inclusion(leafIndex: leafIndex, treeSize: treeSize, currentSize: try await size(on: connection, logger: logger))
        let path = try plan.assemble(nodeHashes: try await nodeHashes(plan.nodes, on: connection, logger: logger))
        return InclusionProof(leafIndex: leafIndex, treeSize: treeSize, path: path)
    }

    /// A consistency proof read on `connection`.
    public static func consistencyProof(firstSize: UInt64, secondSize: UInt64, on connection: PostgresConnection, logger: Logger) async throws -> ConsistencyProof {
        let plan = try ProofPlan.consistency(firstSize: firstSize, secondSize: secondSize, currentSize: try await size(on: connection, logger: logger))
        let path = try plan.assemble(nodeHashes: try await nodeHashes(plan.nodes, on: connection, logger: logger))
        return ConsistencyProof(firstSize: firstSize, secondSize: secondSize, path: path)
    }

    /// Signs and stores a head for the current size, or returns the head already stored for
    /// it. Must run inside a transaction.
    public static func signTreeHead(signer: some TreeHeadSigner, timestampMs: UInt64, on connection: PostgresConnection, logger: Logger) async throws -> SignedTreeHead {
        _ = try await wrap { try await connection.query("SELECT pg_advisory_xact_lock(\(appendLockKey))", logger: logger) }
        let size = try await size(on: connection, logger: logger)
        if let existing = try await treeHead(size: size, on: connection, logger: logger) { return existing }
        let plan = try ProofPlan.root(ofSize: size, currentSize: size)
        let root = try plan.assemble(nodeHashes: try await nodeHashes(plan.nodes, on: connection, logger: logger)).first ?? Merkle.emptyRoot
        let head = try SignedTreeHead.sign(treeSize: size, timestampMs: timestampMs, rootHash: root, signer: signer)
        try await storeTreeHead(head, on: connection, logger: logger)
        return head
    }

    // MARK: - Helpers

    private static func expectCount(_ count: Int, _ range: Range<UInt64>) throws {
        guard UInt64(count) == range.upperBound - range.lowerBound else {
            throw HiveError(.inconsistent, "ledger_entries has gaps in \(range.lowerBound)..<\(range.upperBound)")
        }
    }

    /// Maps PostgreSQL failures to ``HiveError/Code/io`` (HiveErrors pass through).
    static func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HiveError {
            throw error
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? HiveError { throw inner }
            throw HiveError(.io, "ledger PostgreSQL: \(describe(error.closureError ?? error.commitError ?? error.beginError ?? error))")
        } catch {
            throw HiveError(.io, "ledger PostgreSQL: \(describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? "\(error.code)"
        }
        return "\(error)"
    }
}
