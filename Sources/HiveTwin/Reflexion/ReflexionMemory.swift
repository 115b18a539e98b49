import Foundation
import GRDB
import HiveCore
import HiveVectors
import Synchronization

/// Episodes with self-critique (the seed's ReflexionMemory), encrypted at rest, retrieved by
/// how similar their task is to a new one.
///
/// - `input`, `output` and `critique` are sealed together as one AES-GCM message with the store's
///   key, bound to the episode id (``EpisodePrivateFields``); `task`, `reward`, `success`, tags and stamps stay in clear so they can be queried.
/// - Each distinct task text is embedded once (table `task_embeddings`); the task index is an exact
///   HiveVectors ``FlatIndex`` derived from that table (rebuilt at open, extended after commit).
///   Retrieval ranks episodes by task similarity, then reward, then recency.
/// - Writes validate everything first; a bad record (NaN or out-of-range reward, oversized text)
///   throws ``HiveError/Code/invalidInput`` and nothing of its batch is written.
public final class ReflexionMemory: Sendable {
    public let store: TwinStore
    let text: TextEmbedding

    /// The embedding space of the stored task vectors.
    public var space: EmbeddingSpace { text.space }

    struct TaskIndex: Sendable {
        var index: FlatIndex
        var ridByTask: [String: Int64]
    }

    private let tasks: Mutex<TaskIndex>
    /// Coalesces concurrent ``storeEpisode(_:ttlMs:)`` calls into shared transactions.
    private let commits = GroupCommit<Pending, Episode>(maxBatch: 1_000)

    /// Largest batch accepted by ``storeEpisodes(_:ttlMs:)``.
    public static let maxBatch = 10_000
    /// Largest `k` for retrieval.
    public static let maxK = 1_000

    init(store: TwinStore, text: TextEmbedding, policy: ModelMismatchPolicy) throws {
        self.store = store
        self.text = text
        try store.reconcileEmbeddingSpace(text.space, table: "task_embeddings", textColumn: "task", policy: policy)
        tasks = Mutex(try Self.rebuild(store: store, space: text.space))
    }

    static func rebuild(store: TwinStore, space: EmbeddingSpace) throws -> TaskIndex {
        try store.read { db in
            var index = try FlatIndex(dimension: space.dimensions, metric: .cosine)
            var ridByTask: [String: Int64] = [:]
            var ids: [VectorID] = []
            var vectors: [Float] = []
            for row in try Row.fetchAll(db, sql: "SELECT rid, task, vector FROM task_embeddings") {
                let rid: Int64 = row["rid"]
                ids.append(rid)
                ridByTask[row["task"]] = rid
                try EmbeddingCodec.decode(row["vector"], dimensions: space.dimensions, appendingTo: &vectors)
            }
            try index.add(ids: ids, vectors: vectors)
            return TaskIndex(index: index, ridByTask: ridByTask)
        }
    }

    // MARK: Writing

    /// Stores one episode and returns once it is committed with the store's durability.
    ///
    /// Concurrent callers are group-committed (``GroupCommit``): episodes that arrive while a
    /// commit is in progress share the next transaction, so they share its fsync; each call still
    /// returns only after the transaction holding its episode has committed. Bad input throws
    /// before anything is queued. See ``storeEpisodes(_:ttlMs:)`` for explicit batches.
    @discardableResult
    public func storeEpisode(_ draft: EpisodeDraft, ttlMs: UInt64? = nil) throws -> Episode {
        try Self.validate([draft])
        let item = Pending(draft: draft, expires: store.expiry(ttlMs: ttlMs))
        return try commits.submit(item) { items in try write(items) }
    }

    /// The seed's call shape.
    @discardableResult
    public func storeEpisode(
        sessionId: String, task: String, input: String, output: String, reward: Double, success: Bool,
        critique: String, latencyMs: Double = 0, tags: [String] = []
    ) throws -> Episode {
        try storeEpisode(
            EpisodeDraft(
                sessionID: sessionId, task: task, input: input, output: output, reward: reward, success: success,
                critique: critique, latencyMs: latencyMs, tags: tags))
    }

    /// Stores many episodes in one transaction: all or none.
    @discardableResult
    public func storeEpisodes(_ batch: [EpisodeDraft], ttlMs: UInt64? = nil) throws -> [Episode] {
        guard !batch.isEmpty else { return [] }
        try Self.validate(batch)
        let expires = store.expiry(ttlMs: ttlMs)
        return try write(batch.map { Pending(draft: $0, expires: expires) })
    }

    /// An episode waiting to be written and its expiry.
    struct Pending: Sendable {
        var draft: EpisodeDraft
        var expires: Int64?
    }

    static func validate(_ batch: [EpisodeDraft]) throws {
        guard batch.count <= Self.maxBatch else {
            throw HiveError(.invalidInput, "batch has \(batch.count) episodes; the limit is \(Self.maxBatch)")
        }
        for (i, draft) in batch.enumerated() {
            do {
                _ = try draft.episode(id: "pending", stamp: .zero)
                try ReasoningBank.checkTags(draft.tags, field: "tags")
            } catch let error as HiveError {
                throw HiveError(error.code, batch.count > 1 ? "episode \(i): \(error.message)" : error.message)
            }
        }
    }

    /// Writes validated episodes in one transaction (all or none), then extends the task index.
    func write(_ batch: [Pending]) throws -> [Episode] {
        // Embed unseen task texts before taking the lock (embedding may be slow).
        let known = tasks.withLock { $0.ridByTask }
        var newTasks: [String: [Float]] = [:]
        for item in batch where known[item.draft.task] == nil && newTasks[item.draft.task] == nil {
            newTasks[item.draft.task] = try text.vector(item.draft.task, field: "embedding of task \"\(item.draft.task)\"")
        }
        let encodedTasks = newTasks.mapValues(EmbeddingCodec.encode)
        let now = Int64(clamping: store.nowMs)
        let cipher = store.cipher
        return try tasks.withLock { state in
            let (episodes, addedTasks) = try store.write { db -> ([Episode], [(String, Int64, Data)]) in
                var added: [(String, Int64, Data)] = []
                var addedRIDs: [String: Int64] = [:]
                for (task, vector) in encodedTasks.sorted(by: { $0.key < $1.key }) where state.ridByTask[task] == nil {
                    try db.execute(sql: "INSERT INTO task_embeddings(task, vector) VALUES (?, ?)", arguments: [task, vector])
                    added.append((task, db.lastInsertedRowID, vector))
                    addedRIDs[task] = db.lastInsertedRowID
                }
                let first = try store.allocateSequence(batch.count, in: db)
                let insert = try PositionalInsert(
                    db,
                    cached: """
                        INSERT INTO episodes(seq, task_rid, session_id, reward, success, latency_ms, stamp, created_ms,
                                             expires_ms, tags, sealed)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                defer { insert.finish() }
                var episodes: [Episode] = []
                episodes.reserveCapacity(batch.count)
                for i in batch.indices {
                    let seq = first + Int64(i)
                    let episode = try batch[i].draft.episode(id: store.rowID(seq), stamp: store.clock.now())
                    guard let taskRID = state.ridByTask[episode.task] ?? addedRIDs[episode.task] else {
                        throw HiveError(.inconsistent, "task \"\(episode.task)\" has no embedding row")
                    }
                    let sealed = try EpisodePrivateFields(input: episode.input, output: episode.output, critique: episode.critique)
                        .seal(id: episode.id, cipher: cipher)
                    try insert.execute(
                        seq, taskRID, episode.sessionID, episode.reward, episode.success ? Int64(1) : 0, episode.latencyMs,
                        Int64(bitPattern: episode.stamp.packed), now, batch[i].expires, ReasoningBank.encodeTags(episode.tags),
                        sealed)
                    episodes.append(episode)
                }
                return (episodes, added)
            }
            if !addedTasks.isEmpty {
                var vectors: [Float] = []
                for (_, _, data) in addedTasks {
                    try EmbeddingCodec.decode(data, dimensions: text.space.dimensions, appendingTo: &vectors)
                }
                do {
                    try state.index.add(ids: addedTasks.map(\.1), vectors: vectors)
                    for (task, rid, _) in addedTasks { state.ridByTask[task] = rid }
                } catch {
                    state = try Self.rebuild(store: store, space: text.space)
                }
            }
            return episodes
        }
    }

    /// Deletes episodes created more than `olderThanMs` ago, then the oldest beyond `maxCount`;
    /// returns how many were deleted.
    @discardableResult
    public func prune(olderThanMs: UInt64? = nil, maxCount: Int? = nil) throws -> Int {
        if let maxCount, maxCount < 0 { throw HiveError(.invalidInput, "max_count must be ≥ 0, got \(maxCount)") }
        let now = store.nowMs
        return try store.write { db in
            var deleted = 0
            if let olderThanMs {
                let cutoff = Int64(clamping: now > olderThanMs ? now - olderThanMs : 0)
                try db.execute(sql: "DELETE FROM episodes WHERE created_ms < ?", arguments: [cutoff])
                deleted += db.changesCount
            }
            if let maxCount {
                try db.execute(
                    sql: """
                        DELETE FROM episodes WHERE rowid IN (
                            SELECT rowid FROM episodes ORDER BY created_ms DESC, rowid DESC LIMIT -1 OFFSET ?)
                        """,
                    arguments: [maxCount])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    /// Deletes episodes whose TTL has passed; returns how many.
    @discardableResult
    public func sweepExpired() throws -> Int {
        let now = Int64(clamping: store.nowMs)
        return try store.write { db in
            try db.execute(sql: "DELETE FROM episodes WHERE expires_ms IS NOT NULL AND expires_ms <= ?", arguments: [now])
            return db.changesCount
        }
    }

    // MARK: Reading

    /// Episodes for tasks similar to `task`: most similar task first, then higher reward, then newer.
    /// Expired episodes are never returned.
    ///
    /// - Parameters:
    ///   - minReward: only episodes with at least this reward.
    ///   - outcome: only successes, only failures, or both.
    ///   - since: only episodes stamped after this HLC stamp.
    public func retrieveRelevant(
        task: String, k: Int, minReward: Double? = nil, outcome: EpisodeOutcome = .any, since: HLCTimestamp? = nil
    ) throws -> [EpisodeMatch] {
        try retrieve(task: task, k: k, minReward: minReward, outcome: outcome, since: since, newestFirst: false)
    }

    /// Critiques of the failures on the most similar tasks: up to `k` distinct texts, newest first.
    public func critiqueSummary(task: String, k: Int = 5) throws -> [String] {
        guard (1...100).contains(k) else { throw HiveError(.invalidInput, "k must be in 1...100, got \(k)") }
        let failures = try retrieve(task: task, k: k * 4, minReward: nil, outcome: .failures, since: nil, newestFirst: true)
        var seen: Set<String> = []
        var result: [(String, HLCTimestamp)] = []
        for match in failures {
            let critique = match.episode.critique.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !critique.isEmpty, seen.insert(critique.lowercased()).inserted else { continue }
            result.append((critique, match.episode.stamp))
        }
        return result.sorted { $0.1 > $1.1 }.prefix(k).map(\.0)
    }

    /// The episode with this id, decrypted; `nil` when unknown or expired.
    public func episode(id: String) throws -> Episode? {
        guard let seq = PatternRowCodec.sequence(of: id, twinID: store.twinID) else { return nil }
        let now = Int64(clamping: store.nowMs)
        return try store.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT e.seq, e.session_id, e.sealed, e.reward, e.success, e.latency_ms, e.tags, e.stamp, t.task
                        FROM episodes e JOIN task_embeddings t ON t.rid = e.task_rid
                        WHERE e.seq = ? AND (e.expires_ms IS NULL OR e.expires_ms > ?)
                        """, arguments: [seq, now])
            else { return nil }
            return try episode(from: row, task: row[8])
        }
    }

    /// Number of stored episodes (expired but unswept ones included).
    public func count() throws -> Int {
        try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM episodes") ?? 0 }
    }

    private func retrieve(
        task: String, k: Int, minReward: Double?, outcome: EpisodeOutcome, since: HLCTimestamp?, newestFirst: Bool
    ) throws -> [EpisodeMatch] {
        guard (1...Self.maxK).contains(k) else { throw HiveError(.invalidInput, "k must be in 1...\(Self.maxK), got \(k)") }
        try Validation.check(task, maxBytes: Validation.Limit.shortText, nonEmpty: true, field: "task")
        if let minReward { try Validation.check(minReward, in: 0...1, field: "min_reward") }
        let query = try text.vector(task, field: "embedding of the query task")
        let (hits, taskByRID) = try tasks.withLock { state -> ([SearchHit], [Int64: String]) in
            guard state.index.count > 0 else { return ([], [:]) }
            let hits = try state.index.search(query, k: min(state.index.count, 32))
            var names: [Int64: String] = [:]
            for (name, rid) in state.ridByTask where hits.contains(where: { $0.id == rid }) { names[rid] = name }
            return (hits, names)
        }
        var conditions = ["task_rid = ?", "(expires_ms IS NULL OR expires_ms > ?)"]
        var arguments: [any DatabaseValueConvertible] = [Int64(clamping: store.nowMs)]
        if let minReward {
            conditions.append("reward >= ?")
            arguments.append(minReward)
        }
        switch outcome {
        case .any: break
        case .successes: conditions.append("success = 1")
        case .failures: conditions.append("success = 0")
        }
        if let since {
            // Stored stamps are this twin's: (packed, twin id) > since ⇔ packed > since.packed, or
            // packed == since.packed when the twin id sorts after since's node.
            conditions.append(store.twinID > since.nodeID ? "stamp >= ?" : "stamp > ?")
            arguments.append(Int64(bitPattern: since.packed))
        }
        let order = newestFirst ? "stamp DESC" : "reward DESC, stamp DESC"
        let sql = "\(Self.select) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order) LIMIT ?"
        return try store.read { db in
            var matches: [EpisodeMatch] = []
            for hit in hits {
                guard matches.count < k, let name = taskByRID[hit.id] else { continue }
                let rows = try Row.fetchAll(
                    db, sql: sql, arguments: StatementArguments([hit.id] + arguments + [k - matches.count]))
                for row in rows { matches.append(EpisodeMatch(episode: try episode(from: row, task: name), similarity: hit.score)) }
            }
            return matches
        }
    }

    /// Columns read for an ``Episode``, in the order ``episode(from:task:)`` reads them by position.
    static let select = """
        SELECT seq, session_id, sealed, reward, success, latency_ms, tags, stamp FROM episodes
        """

    /// The episode of a row selected with ``select``; `task` is the text of its `task_rid`.
    private func episode(from row: Row, task: String) throws -> Episode {
        let id = store.rowID(row[0])
        let fields = try EpisodePrivateFields.open(row[2], id: id, cipher: store.cipher)
        return try Episode(
            id: id, sessionID: row[1], task: task, input: fields.input, output: fields.output, reward: row[3],
            success: row[4], critique: fields.critique, latencyMs: row[5], tags: try ReasoningBank.decodeTags(row[6]),
            stamp: HLCTimestamp(packed: UInt64(bitPattern: row[7]), nodeID: store.twinID))
    }
}
