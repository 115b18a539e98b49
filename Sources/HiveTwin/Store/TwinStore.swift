import Foundation
import GRDB
import HiveCore
import Synchronization

/// The twin's private database: one SQLite file in WAL mode, migrated on open, one writer and
/// concurrent readers (GRDB's `DatabasePool`).
///
/// - Access is scoped: ``read(_:)`` and ``write(_:)`` run a closure inside a transaction;
///   a connection is never handed out. A write that throws leaves the database unchanged.
/// - Every row has a globally unique id, `<twin id>-<sequence>` (the sequence lives in the
///   database and advances inside the writing transaction), and an HLC stamp from ``clock``.
///   The clock resumes from the last stamp persisted, so stamps keep increasing across restarts
///   even if the wall clock stepped back.
/// - Private fields are sealed with ``cipher`` (AES-GCM, key in a 0600 file).
public final class TwinStore: Sendable {
    /// The database file.
    public let path: String
    /// Whose twin this is.
    public let twin: TwinIdentity
    /// The device identity that signs outgoing envelopes.
    public let identity: NodeIdentity
    /// The hybrid logical clock stamping every record; its node id is the twin id.
    public let clock: HybridLogicalClock
    /// Encrypts private fields.
    public let cipher: FieldCipher
    /// The configuration the store was opened with.
    public let configuration: TwinStoreConfiguration

    let pool: DatabasePool
    // Last HLC value written to `meta`, so a write only persists the clock when it moved.
    private let persistedClock: Mutex<UInt64>

    /// The twin id (shorthand for `twin.twinID`).
    public var twinID: String { twin.twinID }

    /// Opens (creating and migrating when needed) the store at `path` for `userID` on the device `identity`.
    ///
    /// Throws ``HiveError/Code/inconsistent`` when the file belongs to another twin or the key does not
    /// match its encrypted rows, ``HiveError/Code/keyFile`` when the key file is unusable, and
    /// ``HiveError/Code/io`` when SQLite cannot open or migrate the file.
    public init(
        path: String, identity: NodeIdentity, userID: String, configuration: TwinStoreConfiguration = TwinStoreConfiguration()
    ) throws {
        self.path = path
        self.identity = identity
        self.configuration = configuration
        self.twin = try identity.twin(forUser: userID)
        let twinID = twin.twinID

        var config = Configuration()
        config.maximumReaderCount = max(1, configuration.maxReaders)
        config.label = "hive.twin"
        let synchronous = configuration.durability == .full ? "FULL" : "NORMAL"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // Set on the pool's one long-lived writer, after GRDB's WAL setup (which picks NORMAL).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
            try Self.migrator.migrate(pool)
        } catch let error as HiveError {
            throw error  // a migration that refused the data says why
        } catch {
            throw HiveError(.io, "cannot open twin store \(path): \(Self.describe(error))")
        }
        self.pool = pool

        // Ownership, key and clock, checked in one transaction.
        let keyFile = StoreKeyFile(path: configuration.keyPath ?? path + ".key")
        let (owner, keyCheck, lastPacked) = try Self.mapErrors("read store metadata") {
            try pool.read { db in
                (
                    try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'twin_id'"),
                    try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'key_check'"),
                    try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'hlc_last'")
                )
            }
        }
        if let owner, owner != twinID {
            throw HiveError(.inconsistent, "twin store \(path) belongs to twin \(owner), not \(twinID)")
        }
        let key: [UInt8]
        if keyFile.exists {
            key = try keyFile.load()
        } else if keyCheck != nil {
            throw HiveError(
                .keyFile, "store key file \(keyFile.path) is missing; the encrypted fields of \(path) cannot be read without it")
        } else {
            key = try keyFile.create()
        }
        let cipher = try FieldCipher(key: key)
        if let keyCheck {
            guard (try? cipher.open(keyCheck, context: "meta.key_check")) == Self.keyCheckText else {
                throw HiveError(.inconsistent, "store key \(keyFile.path) does not match the encrypted rows of \(path)")
            }
        }
        self.cipher = cipher
        let last = lastPacked.map { HLCTimestamp(packed: UInt64(bitPattern: $0), nodeID: twinID) }
        self.clock = HybridLogicalClock(
            nodeID: twinID, maxDriftMs: configuration.maxDriftMs, last: last, physicalClock: configuration.clockMs)
        self.persistedClock = Mutex(last?.packed ?? 0)
        if owner == nil || keyCheck == nil {
            let sealed = try cipher.seal(Self.keyCheckText, context: "meta.key_check")
            try Self.mapErrors("initialise store metadata") {
                try pool.write { db in
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('twin_id', ?), ('key_check', ?)",
                        arguments: [twinID, sealed])
                }
            }
        }
    }

    static let keyCheckText = "hive.twin-store.key-check.v1"

    /// Runs `body` in a read transaction (a consistent snapshot, concurrent with the writer).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mapErrors("read \(path)") { try pool.read(body) }
    }

    /// Runs `body` in the single write transaction; if it throws, nothing it did is kept.
    /// The clock's last stamp is persisted in the same transaction.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mapErrors("write \(path)") {
            var written: UInt64?
            let result = try pool.write { db -> T in
                let result = try body(db)
                let last = clock.last.packed
                if last > persistedClock.withLock({ $0 }) {
                    // Cached: one statement per write transaction, compiled once.
                    try db.cachedStatement(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('hlc_last', ?)")
                        .execute(arguments: [Int64(bitPattern: last)])
                    written = last
                }
                return result
            }
            if let written { persistedClock.withLock { $0 = max($0, written) } }
            return result
        }
    }

    /// Current wall-clock time in ms (the configured clock), used for TTLs and retry schedules.
    public var nowMs: UInt64 { configuration.clockMs() }

    /// Reserves `count` consecutive sequence numbers inside the current write transaction and
    /// returns the first; ids built from them are unique for this twin forever.
    public func allocateSequence(_ count: Int = 1, in db: Database) throws -> Int64 {
        guard count > 0 else { throw HiveError(.invalidInput, "sequence count must be positive") }
        guard let end = try Int64.fetchOne(
            db.cachedStatement(sql: "UPDATE id_sequence SET next = next + ? WHERE id = 1 RETURNING next"), arguments: [count])
        else { throw HiveError(.inconsistent, "id sequence row is missing in \(path)") }
        return end - Int64(count)
    }

    /// The globally unique row id for sequence number `sequence`.
    public func rowID(_ sequence: Int64) -> String { "\(twin.twinID)-\(sequence)" }

    /// Allocates `count` row ids in the current write transaction.
    public func allocateIDs(_ count: Int, in db: Database) throws -> [String] {
        let first = try allocateSequence(count, in: db)
        return (0..<Int64(count)).map { rowID(first + $0) }
    }

    /// The expiry time for a record created now with `ttlMs` (or the configured default); `nil` means never.
    func expiry(ttlMs: UInt64?) -> Int64? {
        guard let ttl = ttlMs ?? configuration.defaultTTLMs else { return nil }
        let (sum, overflow) = nowMs.addingReportingOverflow(ttl)
        return overflow || sum > UInt64(Int64.max) ? Int64.max : Int64(sum)
    }

    /// Runs SQLite's integrity check; returns its messages ("ok" when sound).
    public func integrityCheck() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Checkpoints the WAL into the main file (truncating the WAL) so the file holds everything.
    public func checkpoint() throws {
        try Self.mapErrors("checkpoint \(path)") {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
    }

    /// Total bytes of the database file, its WAL and shared-memory file.
    public func fileBytes() -> Int {
        [path, path + "-wal", path + "-shm"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }

    /// Maps SQLite failures to ``HiveError/Code/io``; errors thrown by callers' closures pass through unchanged.
    static func mapErrors<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw HiveError(.io, "\(what): \(describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite \(error.resultCode): \(error.message ?? "no message")"
        }
        return "\(error)"
    }
}
