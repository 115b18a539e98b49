import GRDB
import HiveCore

/// What a twin remembers between syncs, kept in the store's `meta` table so it survives a crash
/// and commits together with what it describes: the pinned hub key, the pull cursor, the hub's
/// last pull signature and the measured clock offset.
public struct SyncState: Sendable, Hashable {
    /// The hub public key (hex) this twin trusts; pinned at `twin init`.
    public var hubKeyHex: String?
    /// The hub URL the twin syncs with.
    public var hubURL: String?
    /// Pull cursor: the last feed sequence applied.
    public var cursor: Int64 = 0
    /// The hub's signature (base64) over the last applied pull.
    public var lastPullSignature: String?
    /// Hub time − device time, ms.
    public var clockOffsetMs: Int64 = 0
    /// When the last sync completed (device ms), if ever.
    public var lastSyncMs: Int64?
    /// Why the last sync failed (`code: message`), cleared by the next one that completes.
    public var lastError: String?
    /// When it failed (device ms).
    public var lastErrorMs: Int64?
    /// The hub's global model shape (items, factor rank), learned from `GET /api/v1/hub`.
    public var modelItemCount: Int?
    public var modelRank: Int?

    enum Key {
        static let hubKey = "sync.hub_key"
        static let hubURL = "sync.hub_url"
        static let cursor = "sync.cursor"
        static let pullSignature = "sync.pull_signature"
        static let clockOffset = "sync.clock_offset_ms"
        static let lastSync = "sync.last_sync_ms"
        static let lastError = "sync.last_error"
        static let lastErrorAt = "sync.last_error_ms"
        static let modelItems = "sync.model_items"
        static let modelRank = "sync.model_rank"
    }

    /// Reads the state from `store`.
    public static func load(from store: TwinStore) throws -> SyncState {
        try store.read { db in try load(db) }
    }

    static func load(_ db: Database) throws -> SyncState {
        var state = SyncState()
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE key LIKE 'sync.%'") {
            let key: String = row["key"]
            switch key {
            case Key.hubKey: state.hubKeyHex = row["value"]
            case Key.hubURL: state.hubURL = row["value"]
            case Key.cursor: state.cursor = row["value"]
            case Key.pullSignature: state.lastPullSignature = row["value"]
            case Key.clockOffset: state.clockOffsetMs = row["value"]
            case Key.lastSync: state.lastSyncMs = row["value"]
            case Key.lastError: state.lastError = row["value"]
            case Key.lastErrorAt: state.lastErrorMs = row["value"]
            case Key.modelItems: state.modelItemCount = row["value"]
            case Key.modelRank: state.modelRank = row["value"]
            default: continue
            }
        }
        return state
    }

    static func set(_ key: String, _ value: (any DatabaseValueConvertible)?, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
    }

    /// Pins the hub (key and URL). Refuses to replace a different pinned key: re-pinning is an
    /// deliberate act (a new twin store), never a side effect of talking to another hub.
    public static func pin(hubKeyHex: String, hubURL: String, in store: TwinStore) throws {
        guard let key = Hex.decode(hubKeyHex), key.count == Ed25519.publicKeyLength else {
            throw HiveError(.invalidInput, "hub key must be 64 hex digits")
        }
        try store.write { db in
            if let pinned = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [Key.hubKey]),
                pinned != hubKeyHex.lowercased()
            {
                throw HiveError(.forbidden, "this twin already pinned hub key \(pinned.prefix(16))…; refusing \(hubKeyHex.prefix(16))…")
            }
            try set(Key.hubKey, hubKeyHex.lowercased(), in: db)
            try set(Key.hubURL, hubURL, in: db)
        }
    }
}
