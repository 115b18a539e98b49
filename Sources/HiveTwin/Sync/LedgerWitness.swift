import Foundation
import GRDB
import HiveCore
import HiveLedger

/// The twin's side of the hub's transparency log (RFC 9162): the last signed tree head (STH) it
/// accepted, the inclusion receipts of its own envelopes, and the checks that tie them together.
///
/// At every sync the twin fetches the hub's current STH, checks its signature against the pinned
/// hub key and asks for a consistency proof from the head it kept. A head that is smaller than the
/// one kept (a **rollback**: the hub lost or dropped entries, or was restored from a backup) or
/// that does not extend it (a **split view**: the hub, or something holding its key, shows this
/// twin a history that differs from what it showed before) is refused: the old head stays, the
/// round fails with ``HiveError/Code/inconsistent``, and the alarm is kept in the store's `meta`
/// table (`hive twin stats` shows it) until a later sync proves consistency again.
///
/// Receipts: each accepted envelope's receipt must be signed by the pinned key and its audit path
/// must lead from the entry the twin rebuilds itself (``HubWire/envelopeLedgerEntry(_:twinID:)``) to
/// the receipt's root; the receipt's head must extend the head the round started from. Receipts are
/// kept (table `ledger_receipts`) so the twin can show later that the hub logged its contribution.
public struct LedgerWitness: Sendable {
    public let store: TwinStore
    let hubKey: [UInt8]

    enum Key {
        static let treeHead = "sync.ledger_sth"
        static let alarm = "sync.ledger_alarm"
    }

    /// Creates the receipts table when missing (idempotent).
    public init(store: TwinStore, hubKey: [UInt8]) throws {
        self.store = store
        self.hubKey = hubKey
        try store.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS ledger_receipts(
                        envelope_id TEXT PRIMARY KEY NOT NULL, leaf_index INTEGER NOT NULL, tree_size INTEGER NOT NULL,
                        receipt BLOB NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    // MARK: Reading

    /// The last tree head this twin accepted, if any.
    public static func treeHead(in store: TwinStore) throws -> SignedTreeHead? {
        try store.read { db in try treeHead(db) }
    }

    static func treeHead(_ db: Database) throws -> SignedTreeHead? {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [Key.treeHead]) else {
            return nil
        }
        guard let data = Data(base64Encoded: text) else { throw HiveError(.malformed, "stored tree head is not base64") }
        return try SignedTreeHead(encoded: Array(data))
    }

    /// The standing ledger alarm (a refused rollback or split view), if any.
    public static func alarm(in store: TwinStore) throws -> String? {
        try store.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [Key.alarm]) }
    }

    /// Receipts kept, by envelope id.
    public func receipts() throws -> [String: InclusionReceipt] {
        try store.read { db in
            var result: [String: InclusionReceipt] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT envelope_id, receipt FROM ledger_receipts") {
                result[row["envelope_id"]] = try HiveJSON.decode(InclusionReceipt.self, from: row["receipt"] as Data)
            }
            return result
        }
    }

    /// Number of receipts kept.
    public func receiptCount() throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger_receipts") ?? 0 }
    }

    // MARK: Checks (pure)

    /// Checks that `new` (already signature-checked) extends `old`. `proof` is the hub's
    /// consistency proof from `old.treeSize` to `new.treeSize`; it is needed only when the sizes
    /// differ and `old` is non-empty. Throws ``HiveError/Code/inconsistent`` naming a rollback or a
    /// split view.
    public static func checkExtends(_ new: SignedTreeHead, from old: SignedTreeHead, proof: ConsistencyProof?) throws {
        if new.treeSize < old.treeSize {
            throw HiveError(
                .inconsistent,
                "ledger rollback: the hub now signs a tree of \(new.treeSize) entries, but it signed \(old.treeSize) entries before (root \(old.rootHash.hex.prefix(16))…); refusing to sync"
            )
        }
        if new.treeSize == old.treeSize {
            guard new.rootHash == old.rootHash else {
                throw HiveError(
                    .inconsistent,
                    "ledger split view: the hub signed two different roots for \(new.treeSize) entries (\(old.rootHash.hex.prefix(16))… before, \(new.rootHash.hex.prefix(16))… now); refusing to sync"
                )
            }
            return
        }
        if old.treeSize == 0 { return }
        guard let proof else {
            throw HiveError(.inconsistent, "no consistency proof from \(old.treeSize) to \(new.treeSize) entries")
        }
        guard proof.firstSize == old.treeSize, proof.secondSize == new.treeSize else {
            throw HiveError(
                .inconsistent,
                "consistency proof is for \(proof.firstSize) → \(proof.secondSize) entries; asked \(old.treeSize) → \(new.treeSize)")
        }
        do {
            try proof.check(firstRoot: old.rootHash, secondRoot: new.rootHash)
        } catch let error as HiveError {
            throw HiveError(
                .inconsistent,
                "ledger split view: the hub's tree of \(new.treeSize) entries does not extend the \(old.treeSize) entries it signed before (\(error.message)); refusing to sync"
            )
        }
    }

    /// Checks a receipt for `envelope` (as pushed, transport stamp included) sent by twin `twinID`.
    public func checkReceipt(_ receipt: InclusionReceipt, for envelope: SignedEnvelope, twinID: String) throws {
        let entry = try HubWire.envelopeLedgerEntry(envelope, twinID: twinID)
        do {
            try receipt.check(entry: entry, publicKey: hubKey)
        } catch let error as HiveError {
            throw HiveError(error.code, "ledger receipt for envelope \(envelope.id.prefix(16))… does not verify: \(error.message)")
        }
    }

    // MARK: Writing

    /// Stores `head` as the accepted head (never replacing a larger one: two overlapping rounds may
    /// finish out of order) and clears the alarm.
    func accept(_ head: SignedTreeHead, in db: Database) throws {
        if let kept = try Self.treeHead(db), kept.treeSize > head.treeSize { return }
        try SyncState.set(Key.treeHead, Data(head.encoded()).base64EncodedString(), in: db)
        try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Key.alarm])
    }

    /// Raises the alarm (kept until a later sync proves consistency again); the head stays.
    func raiseAlarm(_ message: String, atMs: Int64) throws {
        try store.write { db in try SyncState.set(Key.alarm, "\(atMs) \(message)", in: db) }
    }

    /// Keeps a verified receipt.
    func keep(_ receipt: InclusionReceipt, envelopeID: String, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO ledger_receipts(envelope_id, leaf_index, tree_size, receipt) VALUES (?, ?, ?, ?)",
            arguments: [envelopeID, Int64(clamping: receipt.leafIndex), Int64(clamping: receipt.treeHead.treeSize), try HiveJSON.encode(receipt)])
    }
}

extension LedgerWitness {
    /// The ledger entry bytes the hub appends when it accepts `envelope` from twin `twinID`.
    public static func envelopeEntry(_ envelope: SignedEnvelope, twinID: String) throws -> [UInt8] {
        try HubWire.envelopeLedgerEntry(envelope, twinID: twinID)
    }
}
