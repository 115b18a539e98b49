import Foundation
import GRDB
import HiveCore
import HiveVectors
import Synchronization

/// Reusable, versioned skills distilled from successful episodes (the seed's SkillLibrary).
///
/// - Names are unique among current versions. Changing a skill's description creates a new
///   version (version + 1, `parentID` = the old version's id); old versions stay readable
///   (``history(name:)``).
/// - ``search(query:k:minSuccessRate:)`` ranks by
///   `score = 0.6·similarity + 0.2·(successes + 1)/(uses + 2) + 0.1·min(1, ln(1 + uses)/ln(101)) + 0.1·meanReward`:
///   relevance first; among similar skills, proven ones (success rate smoothed so one lucky use
///   does not outrank fifty good ones), then well-used ones, then high-reward ones.
/// - ``consolidate(reflexion:windowMs:minAttempts:minMeanReward:)`` turns tasks with enough good
///   recent attempts into skills, keeping the episode ids as provenance.
/// - The vector index over current versions is a HiveVectors ``FlatIndex`` derived from the table.
public final class SkillLibrary: Sendable {
    public let store: TwinStore
    let text: TextEmbedding

    /// The embedding space of the stored skill vectors.
    public var space: EmbeddingSpace { text.space }

    private let index: Mutex<FlatIndex>

    /// Weights of the ranking score (see the type's documentation).
    public enum Weights {
        public static let similarity = 0.6
        public static let successRate = 0.2
        public static let uses = 0.1
        public static let reward = 0.1
    }

    init(store: TwinStore, text: TextEmbedding, policy: ModelMismatchPolicy) throws {
        self.store = store
        self.text = text
        try store.reconcileEmbeddingSpace(
            text.space, table: "skills", textColumn: "name || ': ' || description", policy: policy)
        index = Mutex(try Self.rebuild(store: store, space: text.space))
    }

    static func rebuild(store: TwinStore, space: EmbeddingSpace) throws -> FlatIndex {
        try store.read { db in
            var index = try FlatIndex(dimension: space.dimensions, metric: .cosine)
            var ids: [VectorID] = []
            var vectors: [Float] = []
            for row in try Row.fetchAll(db, sql: "SELECT rid, vector FROM skills WHERE current = 1") {
                ids.append(row["rid"])
                try EmbeddingCodec.decode(row["vector"], dimensions: space.dimensions, appendingTo: &vectors)
            }
            try index.add(ids: ids, vectors: vectors)
            return index
        }
    }

    static func embeddingText(name: String, description: String) -> String { "\(name): \(description)" }

    /// Creates the skill `name`, or — when it exists with another description — a new version of it
    /// linked to the old one. The same description again changes nothing and returns the current version.
    @discardableResult
    public func upsert(name: String, description: String, sourceEpisodeIDs: [String] = []) throws -> Skill {
        _ = try Skill(id: "pending", name: name, description: description, sourceEpisodeIDs: sourceEpisodeIDs, stamp: .zero)
        let vector = try text.vector(
            Self.embeddingText(name: name, description: description), field: "embedding of skill \(name)")
        return try index.withLock { index -> Skill in
            try write(index: &index) { db -> (Skill, VersionChange?) in
                if let current = try Self.current(name: name, in: db), current.description == description {
                    return (current, nil)
                }
                return try self.newVersion(
                    name: name, description: description, successRate: 0, uses: 0, meanReward: 0,
                    sources: sourceEpisodeIDs, vector: vector, in: db)
            }.0
        }
    }

    /// Records one use of a skill: updates its success rate, use count and mean reward in place
    /// (statistics are not a new version). Throws ``HiveError/Code/notFound`` for an unknown id and
    /// ``HiveError/Code/invalidInput`` for a reward outside [0, 1] or NaN; nothing is written then.
    @discardableResult
    public func recordUse(skillID: String, success: Bool, reward: Double) throws -> Skill {
        try Validation.check(reward, in: 0...1, field: "reward")
        try Validation.check(skillID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "skill id")
        return try store.write { db in
            guard let row = try Row.fetchOne(db, sql: "\(Self.select) WHERE id = ?", arguments: [skillID]) else {
                throw HiveError(.notFound, "no skill with id \(skillID)")
            }
            var skill = try Self.skill(from: row)
            let uses = Double(skill.uses)
            skill.successRate = (skill.successRate * uses + (success ? 1 : 0)) / (uses + 1)
            skill.meanReward = (skill.meanReward * uses + reward) / (uses + 1)
            skill.uses += 1
            skill.stamp = store.clock.now()
            try skill.validate()
            try db.execute(
                sql: "UPDATE skills SET success_rate = ?, uses = ?, mean_reward = ?, stamp = ? WHERE id = ?",
                arguments: [skill.successRate, skill.uses, skill.meanReward, skill.stamp.description, skill.id])
            return skill
        }
    }

    /// Current skills closest to `query`, ranked by the documented score, best first.
    public func search(query: String, k: Int, minSuccessRate: Double? = nil) throws -> [SkillMatch] {
        guard (1...1_000).contains(k) else { throw HiveError(.invalidInput, "k must be in 1...1000, got \(k)") }
        if let minSuccessRate { try Validation.check(minSuccessRate, in: 0...1, field: "min_success_rate") }
        try Validation.check(query, maxBytes: Validation.Limit.text, nonEmpty: true, field: "query")
        let vector = try text.vector(query, field: "embedding of the query")
        let hits = try index.withLock { index -> [SearchHit] in
            guard index.count > 0 else { return [] }
            return try index.search(vector, k: min(index.count, max(4 * k, 50)))
        }
        guard !hits.isEmpty else { return [] }
        let now = Int64(clamping: store.nowMs)
        let rows = try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    \(Self.select) WHERE rid IN (\(hits.map { String($0.id) }.joined(separator: ",")))
                    AND (expires_ms IS NULL OR expires_ms > ?)
                    """,
                arguments: [now])
        }
        var byRID: [Int64: Skill] = [:]
        for row in rows { byRID[row["rid"]] = try Self.skill(from: row) }
        var matches: [SkillMatch] = []
        for hit in hits {
            guard let skill = byRID[hit.id] else { continue }
            if let minSuccessRate, skill.successRate < minSuccessRate { continue }
            matches.append(SkillMatch(skill: skill, similarity: hit.score, score: Self.score(skill, similarity: hit.score)))
        }
        return Array(matches.sorted { $0.score > $1.score || ($0.score == $1.score && $0.skill.id < $1.skill.id) }.prefix(k))
    }

    /// The documented ranking score.
    public static func score(_ skill: Skill, similarity: Float) -> Double {
        let uses = Double(skill.uses)
        let successes = skill.successRate * uses
        return Weights.similarity * Double(similarity) + Weights.successRate * (successes + 1) / (uses + 2)
            + Weights.uses * min(1, log1p(uses) / log(101)) + Weights.reward * skill.meanReward
    }

    /// Turns tasks with at least `minAttempts` episodes in the last `windowMs` and a mean reward of
    /// at least `minMeanReward` into skills named after the task. A skill is created, or a new version
    /// made when new episodes joined its provenance; its statistics come from the episodes. Returns
    /// the skills created or re-versioned.
    @discardableResult
    public func consolidate(
        reflexion: ReflexionMemory, windowMs: UInt64, minAttempts: Int = 3, minMeanReward: Double = 0.7
    ) throws -> [Skill] {
        guard minAttempts >= 1 else { throw HiveError(.invalidInput, "min_attempts must be ≥ 1, got \(minAttempts)") }
        try Validation.check(minMeanReward, in: 0...1, field: "min_mean_reward")
        let now = store.nowMs
        let since = Int64(clamping: now > windowMs ? now - windowMs : 0)
        let groups = try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.task AS task, g.n, g.mean_reward, g.success_rate, g.seqs
                    FROM (SELECT task_rid, COUNT(*) AS n, AVG(reward) AS mean_reward, AVG(success) AS success_rate,
                                 json_group_array(seq) AS seqs
                          FROM (SELECT task_rid, reward, success, seq FROM episodes
                                WHERE created_ms >= ? AND (expires_ms IS NULL OR expires_ms > ?) ORDER BY created_ms, seq)
                          GROUP BY task_rid HAVING COUNT(*) >= ? AND AVG(reward) >= ?) g
                    JOIN task_embeddings t ON t.rid = g.task_rid
                    ORDER BY t.task
                    """,
                arguments: [since, Int64(clamping: now), minAttempts, minMeanReward])
        }
        var changed: [Skill] = []
        for group in groups {
            let task: String = group["task"]
            let ids = try HiveJSON.decode([Int64].self, from: Array((group["seqs"] as String).utf8)).map(store.rowID)
            let count: Int = group["n"]
            let meanReward: Double = group["mean_reward"]
            let successRate: Double = group["success_rate"]
            let description = "Repeatable approach for \(task), distilled from successful attempts"
            let name = String(task.prefix(Validation.Limit.shortText))
            let vector = try text.vector(Self.embeddingText(name: name, description: description), field: "embedding of skill \(name)")
            let skill = try index.withLock { index in
                try write(index: &index) { db -> (Skill, VersionChange?) in
                    let current = try Self.current(name: name, in: db)
                    var sources = current?.sourceEpisodeIDs ?? []
                    let known = Set(sources)
                    let fresh = ids.filter { !known.contains($0) }
                    if let current, fresh.isEmpty { return (current, nil) }
                    sources = Array((sources + fresh).suffix(10_000))
                    return try self.newVersion(
                        name: name, description: description, successRate: min(1, max(0, successRate)), uses: count,
                        meanReward: min(1, max(0, meanReward)), sources: sources, vector: vector, in: db)
                }
            }
            if skill.1 { changed.append(skill.0) }
        }
        return changed
    }

    /// The current version of `name`.
    public func skill(named name: String) throws -> Skill? {
        try store.read { db in try Self.current(name: name, in: db) }
    }

    /// Every version of `name`, oldest first.
    public func history(name: String) throws -> [Skill] {
        try store.read { db in
            try Row.fetchAll(db, sql: "\(Self.select) WHERE name = ? ORDER BY version", arguments: [name]).map(Self.skill(from:))
        }
    }

    // MARK: Internals

    /// Runs a write that may retire one indexed skill row and add another; mirrors that into the
    /// index after commit. `body` returns the resulting skill and, when a version was written,
    /// (retired rid, new rid, vector).
    typealias VersionChange = (retired: Int64?, added: Int64, vector: [Float])

    private func write(index: inout FlatIndex, _ body: (Database) throws -> (Skill, VersionChange?)) throws -> (Skill, Bool) {
        let (skill, change) = try store.write(body)
        guard let change else { return (skill, false) }
        do {
            if let retired = change.retired, index.contains(retired) { try index.remove(id: retired) }
            try index.add(id: change.added, vector: change.vector)
        } catch {
            index = try Self.rebuild(store: store, space: text.space)
        }
        return (skill, true)
    }

    private func newVersion(
        name: String, description: String, successRate: Double, uses: Int, meanReward: Double, sources: [String],
        vector: [Float], in db: Database
    ) throws -> (Skill, VersionChange?) {
        let previous = try Row.fetchOne(
            db, sql: "SELECT rid, id, version FROM skills WHERE name = ? AND current = 1", arguments: [name])
        let id = try store.allocateIDs(1, in: db)[0]
        let skill = try Skill(
            id: id, name: name, description: description, version: (previous?["version"] as Int? ?? 0) + 1,
            parentID: previous?["id"], successRate: successRate, uses: uses, meanReward: meanReward,
            sourceEpisodeIDs: sources, stamp: store.clock.now())
        if let previous {
            try db.execute(sql: "UPDATE skills SET current = 0 WHERE rid = ?", arguments: [previous["rid"] as Int64])
        }
        let encoded = EmbeddingCodec.encode(vector)
        try db.execute(
            sql: """
                INSERT INTO skills(id, name, description, version, parent_id, current, success_rate, uses, mean_reward,
                                   source_episode_ids, stamp, created_ms, expires_ms, vector)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                skill.id, skill.name, skill.description, skill.version, skill.parentID, skill.successRate, skill.uses,
                skill.meanReward, try ReasoningBank.encodeList(skill.sourceEpisodeIDs), skill.stamp.description,
                Int64(clamping: store.nowMs), store.expiry(ttlMs: nil), encoded,
            ])
        let stored = try EmbeddingCodec.decode(encoded, dimensions: text.space.dimensions)
        return (skill, (previous?["rid"], db.lastInsertedRowID, stored))
    }

    static let select = """
        SELECT rid, id, name, description, version, parent_id, success_rate, uses, mean_reward, source_episode_ids, stamp
        FROM skills
        """

    static func current(name: String, in db: Database) throws -> Skill? {
        try Row.fetchOne(db, sql: "\(select) WHERE name = ? AND current = 1", arguments: [name]).map(skill(from:))
    }

    static func skill(from row: Row) throws -> Skill {
        let id: String = row["id"]
        guard let stamp = HLCTimestamp(row["stamp"] as String) else {
            throw HiveError(.malformed, "skill \(id) has a malformed stamp")
        }
        return try Skill(
            id: id, name: row["name"], description: row["description"], version: row["version"], parentID: row["parent_id"],
            successRate: row["success_rate"], uses: row["uses"], meanReward: row["mean_reward"],
            sourceEpisodeIDs: try ReasoningBank.decodeList(row["source_episode_ids"]), stamp: stamp)
    }
}

/// A skill search result.
public struct SkillMatch: Sendable, Hashable {
    public var skill: Skill
    /// Cosine similarity of the skill to the query.
    public var similarity: Float
    /// The ranking score (see ``SkillLibrary``).
    public var score: Double
}
