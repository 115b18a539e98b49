import Foundation
import GRDB
import HiveCore
import HiveEmbeddings
import HiveLearning

/// The seed's ViewerAgent: a private twin that watches what its viewer does, learns from it
/// offline, recommends, and syncs with the hub.
///
/// Behaviour becomes episodes (reward from engagement, with a critique), genre preference
/// patterns (shared with the hub through the outbox when they reach ``ViewerConfiguration/minQualityThreshold``)
/// and local matrix-factorisation training (the user vector never leaves the device).
/// Recommendations blend the model score, content similarity, consolidated patterns and
/// popularity, then re-rank for diversity (``RecommendationEngine``).
public actor ViewerAgent {
    public nonisolated let configuration: ViewerConfiguration
    public nonisolated let store: TwinStore
    public nonisolated let offset: HubClockOffset
    /// The twin's patterns (genre preferences it learned, patterns stored by tools).
    public nonisolated let bank: ReasoningBank
    /// The twin's episodes with self-critique.
    public nonisolated let memory: ReflexionMemory
    /// The twin's versioned skills.
    public nonisolated let skills: SkillLibrary
    let knowledge: SyncedKnowledge
    let outbox: OfflineEnvelopeStore
    let sessionID = UUID().uuidString.lowercased()
    private var syncClient: SyncClient?
    private var transport: (any SyncTransport)?
    private var closed = false
    var isShutDown: Bool { closed }

    /// Rank of the local model when the hub has published none.
    public static let defaultRank = 16

    /// Opens (creating when needed) the twin under `directory`: node key (0600), store, memories.
    public static func initialize(directory: String, configuration: ViewerConfiguration) throws -> ViewerAgent {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let identity = try KeyFile(directory: directory).loadOrCreate()
        let offset = HubClockOffset()
        var storeConfiguration = TwinStoreConfiguration()
        storeConfiguration.clockMs = offset.physicalClock
        let store = try TwinStore(
            path: (directory as NSString).appendingPathComponent("twin.sqlite"), identity: identity, userID: configuration.viewerID,
            configuration: storeConfiguration)
        offset.set(try SyncState.load(from: store).clockOffsetMs)
        return try ViewerAgent(store: store, offset: offset, configuration: configuration)
    }

    init(store: TwinStore, offset: HubClockOffset, configuration: ViewerConfiguration) throws {
        guard configuration.embedder.dimensions > 0 else { throw HiveError(.invalidInput, "embedder has no dimensions") }
        try Validation.check(configuration.minQualityThreshold, in: 0...1, field: "minQualityThreshold")
        guard configuration.maxLocalPatterns >= 1 else { throw HiveError(.invalidInput, "maxLocalPatterns must be ≥ 1") }
        self.configuration = configuration
        self.store = store
        self.offset = offset
        let space = try EmbeddingSpace(modelID: configuration.embedder.modelID, dimensions: configuration.embedder.dimensions)
        let embedder = configuration.embedder
        let text = TextEmbedding(space: space, embed: { embedder.embed($0) })
        self.bank = try ReasoningBank(store: store, space: space)
        self.memory = try ReflexionMemory(store: store, text: text, policy: .refuse)
        self.skills = try SkillLibrary(store: store, text: text, policy: .refuse)
        self.knowledge = try SyncedKnowledge(store: store)
        self.outbox = OfflineEnvelopeStore(store: store)
        try store.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS viewer_catalog(
                        idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, genres TEXT NOT NULL,
                        description TEXT NOT NULL, popularity REAL NOT NULL, vector BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS viewer_events(
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, media_id TEXT, value REAL NOT NULL,
                        detail TEXT NOT NULL, created_ms INTEGER NOT NULL, learned INTEGER NOT NULL DEFAULT 0);
                    """)
        }
    }

    private func open() throws {
        guard !closed else { throw HiveError(.unavailable, "the viewer agent was shut down") }
    }

    // MARK: Catalogue

    /// Adds or replaces catalogue items (embedding title, genres and description). All or none.
    @discardableResult
    public func importCatalog(_ items: [CatalogItem]) throws -> Int {
        try open()
        for (i, item) in items.enumerated() {
            try Validation.check(item.id, maxBytes: Validation.Limit.id, nonEmpty: true, field: "items[\(i)].id")
            try Validation.check(item.title, maxBytes: Validation.Limit.text, nonEmpty: true, field: "items[\(i)].title")
            try Validation.check(item.description, maxBytes: Validation.Limit.text, field: "items[\(i)].description")
            try Validation.check(item.genres, maxCount: Validation.Limit.tags, maxBytes: Validation.Limit.tag, field: "items[\(i)].genres")
            guard item.popularity.isFinite, item.popularity >= 0 else {
                throw HiveError(.invalidInput, "items[\(i)].popularity must be finite and ≥ 0")
            }
        }
        var vectors: [[Float]] = []
        for start in stride(from: 0, to: items.count, by: 256) {
            vectors += configuration.embedder.embed(items[start..<min(items.count, start + 256)].map(\.text))
        }
        try store.write { db in
            let next = (try Int64.fetchOne(db, sql: "SELECT MAX(idx) FROM viewer_catalog") ?? -1) + 1
            var position = next
            for (item, vector) in zip(items, vectors) {
                let existing = try Int64.fetchOne(db, sql: "SELECT idx FROM viewer_catalog WHERE id = ?", arguments: [item.id])
                let idx = existing ?? position
                if existing == nil { position += 1 }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO viewer_catalog(idx, id, title, genres, description, popularity, vector) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        idx, item.id, item.title, String(decoding: try HiveJSON.encode(item.genres), as: UTF8.self), item.description,
                        item.popularity, EmbeddingCodec.encode(vector),
                    ])
            }
        }
        engineCache = nil
        modelCache = nil
        return items.count
    }

    var engineCache: RecommendationEngine.Catalog?
    /// The model view (rebuilt after a catalogue import or a sync).
    var modelCache: ViewerModel?

    func catalog() throws -> RecommendationEngine.Catalog {
        if let engineCache { return engineCache }
        let dimensions = configuration.embedder.dimensions
        let loaded = try store.read { db in
            var catalog = RecommendationEngine.Catalog()
            for row in try Row.fetchAll(db, sql: "SELECT idx, id, title, genres, description, popularity, vector FROM viewer_catalog ORDER BY idx") {
                let genres = try HiveJSON.decode([String].self, from: Data((row["genres"] as String).utf8))
                var vector: [Float] = []
                try EmbeddingCodec.decode(row["vector"], dimensions: dimensions, appendingTo: &vector)
                catalog.append(
                    CatalogItem(id: row["id"], title: row["title"], genres: genres, description: row["description"], popularity: row["popularity"]),
                    vector: vector)
            }
            return catalog
        }
        engineCache = loaded
        return loaded
    }

    // MARK: Tracking (the seed's interface)

    func requireItem(_ mediaID: String) throws {
        try Validation.check(mediaID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "mediaId")
        guard try catalog().index[mediaID] != nil else { throw HiveError(.notFound, "no catalogue item \(mediaID.prefix(64))") }
    }

    func record(kind: String, mediaID: String?, value: Double, detail: String) throws {
        let now = Int64(clamping: store.nowMs)
        try store.write { db in
            try db.execute(
                sql: "INSERT INTO viewer_events(kind, media_id, value, detail, created_ms) VALUES (?, ?, ?, ?, ?)",
                arguments: [kind, mediaID, value, detail, now])
        }
    }

    /// A view of `duration` seconds, completed or not.
    public func trackView(mediaId: String, duration: Double, completed: Bool) throws {
        try open()
        try requireItem(mediaId)
        guard duration.isFinite, duration >= 0, duration <= 7 * 86_400 else {
            throw HiveError(.invalidInput, "duration must be finite seconds in 0…604800, got \(duration)")
        }
        try record(kind: "view", mediaID: mediaId, value: duration, detail: completed ? "completed" : "partial")
    }

    /// A search, its results and what was selected (if anything).
    public func trackSearch(query: String, results: [String], selected: String?) throws {
        try open()
        try Validation.check(query, maxBytes: Validation.Limit.text, nonEmpty: true, field: "query")
        try Validation.check(results, maxCount: 1000, maxBytes: Validation.Limit.id, field: "results")
        if let selected { try requireItem(selected) }
        try record(kind: "search", mediaID: selected, value: Double(results.count), detail: query)
    }

    /// A rating in 1…5.
    public func trackRating(mediaId: String, rating: Double) throws {
        try open()
        try requireItem(mediaId)
        guard rating.isFinite, (1...5).contains(rating) else { throw HiveError(.invalidInput, "rating must be in 1…5, got \(rating)") }
        try record(kind: "rating", mediaID: mediaId, value: rating, detail: "")
    }

    /// A skip at `skipTime` seconds into the item.
    public func trackSkip(mediaId: String, skipTime: Double) throws {
        try open()
        try requireItem(mediaId)
        guard skipTime.isFinite, skipTime >= 0 else { throw HiveError(.invalidInput, "skipTime must be finite and ≥ 0, got \(skipTime)") }
        try record(kind: "skip", mediaID: mediaId, value: skipTime, detail: "")
    }

    // MARK: Sync

    /// Pins the hub's key (trust on first use) when none is pinned yet; `twin init` calls it.
    public func pinHub(transport: (any SyncTransport)? = nil) async throws -> String {
        try open()
        guard let endpoint = configuration.hubEndpoint else { throw HiveError(.invalidInput, "no hub endpoint configured") }
        let transport = try transport ?? HTTPSyncTransport(baseURL: endpoint)
        let key = try await SyncClient.fetchHubKey(transport: transport)
        try SyncState.pin(hubKeyHex: key, hubURL: endpoint, in: store)
        let client = try SyncClient(store: store, transport: transport, configuration: .init(userID: configuration.viewerID), offset: offset)
        _ = try await client.refreshModelShape()
        modelCache = nil
        return key
    }

    /// One Omega Sync round with the configured hub.
    public func syncWithCore(transport: (any SyncTransport)? = nil) async throws -> SyncReport {
        try open()
        if syncClient == nil || transport != nil {
            guard let endpoint = try configuration.hubEndpoint ?? SyncState.load(from: store).hubURL else {
                throw HiveError(.invalidInput, "no hub endpoint configured")
            }
            let transport = try transport ?? HTTPSyncTransport(baseURL: endpoint)
            syncClient = try SyncClient(store: store, transport: transport, configuration: .init(userID: configuration.viewerID), offset: offset)
        }
        guard let syncClient else { throw HiveError(.unavailable, "sync client unavailable") }
        let before = try SyncState.load(from: store)
        let report = try await syncClient.sync()
        if before.modelItemCount == nil { _ = try await syncClient.refreshModelShape() }
        engineCache = nil
        modelCache = nil
        // A new global model version (or a model shape just learned): refit the user vector against
        // it and contribute to the next round (the update goes out with the next sync).
        if try SyncState.load(from: store).modelItemCount != nil {
            let base = try lastUpdateBaseVersion()
            if try base == nil || knowledge.modelVersion() > base ?? 0 { try trainLocalModel(catalog: try catalog()) }
        }
        return report
    }

    /// Counts for `hive twin stats`.
    public func stats() throws -> ViewerStats {
        try open()
        let outboxStats = try outbox.stats()
        let (patterns, rows, skills) = try knowledge.counts()
        let state = try SyncState.load(from: store)
        let alarm = try LedgerWitness.alarm(in: store)
        let head = try LedgerWitness.treeHead(in: store)
        let modelVersion = try knowledge.modelVersion()
        return try store.read { db in
            ViewerStats(
                twinID: store.twinID, catalogItems: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM viewer_catalog") ?? 0,
                events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM viewer_events") ?? 0,
                unlearnedEvents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM viewer_events WHERE learned = 0") ?? 0,
                episodes: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM episodes") ?? 0,
                localPatterns: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM patterns") ?? 0,
                consolidatedPatterns: patterns, modelRows: rows, skills: skills, outboxPending: outboxStats.pending,
                outboxDelivered: outboxStats.delivered, outboxDeadLettered: outboxStats.deadLettered, cursor: state.cursor,
                hubURL: state.hubURL, lastSyncMs: state.lastSyncMs, clockOffsetMs: state.clockOffsetMs,
                lastSyncError: state.lastError, ledgerAlarm: alarm, ledgerTreeSize: head?.treeSize,
                ledgerReceipts: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ledger_receipts'") == 1
                    ? try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger_receipts") ?? 0 : 0,
                modelVersion: modelVersion)
        }
    }

    /// Local patterns at or above `minQuality`, for `export-patterns`.
    public func exportPatterns(minQuality: Double) throws -> [Pattern] {
        try open()
        try Validation.check(minQuality, in: 0...1, field: "minQuality")
        return try bank.export(minQuality: minQuality, minObservations: 0)
    }

    /// Saves the pattern index next to the database (so the next open loads it instead of
    /// rebuilding it from the table), then flushes the store; later calls throw
    /// ``HiveError/Code/unavailable``. A failed index save does not stop the shutdown: the index is
    /// derived data, and the next open detects the missing or stale file and rebuilds.
    public func shutdown() throws {
        guard !closed else { return }
        closed = true
        var indexError: (any Error)?
        do { try bank.saveIndex() } catch { indexError = error }
        try store.checkpoint()
        if let indexError { throw indexError }
    }
}

/// What `hive twin stats` prints.
public struct ViewerStats: Sendable, Hashable, Codable {
    public var twinID: String
    public var catalogItems: Int
    public var events: Int
    public var unlearnedEvents: Int
    public var episodes: Int
    public var localPatterns: Int
    public var consolidatedPatterns: Int
    public var modelRows: Int
    public var skills: Int
    public var outboxPending: Int
    public var outboxDelivered: Int
    public var outboxDeadLettered: Int
    public var cursor: Int64
    public var hubURL: String?
    public var lastSyncMs: Int64?
    public var clockOffsetMs: Int64
    /// Why the last sync failed (`code: message`); nil after a sync that completed.
    public var lastSyncError: String?
    /// A refused ledger rollback or split view (`<device ms> <message>`), kept until the hub proves consistency again.
    public var ledgerAlarm: String?
    /// Size of the hub's transparency log in the last tree head this twin accepted.
    public var ledgerTreeSize: UInt64?
    /// Ledger inclusion receipts kept for this twin's envelopes.
    public var ledgerReceipts: Int
    /// The global model version applied (0: none yet).
    public var modelVersion: Int64
}
