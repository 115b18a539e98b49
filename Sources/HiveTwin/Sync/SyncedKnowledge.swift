import Foundation
import GRDB
import HiveCore

/// What a twin received from its hub, in its own tables of the twin store: consolidated
/// patterns, global model item rows and skill traces. Applying a pull is one transaction that
/// also advances the cursor, so a crash leaves either all of a pull or none of it.
public struct SyncedKnowledge: Sendable {
    public let store: TwinStore

    /// Creates the tables when missing (idempotent).
    public init(store: TwinStore) throws {
        self.store = store
        try store.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS sync_patterns(
                        id TEXT PRIMARY KEY NOT NULL, pattern BLOB NOT NULL, priority TEXT NOT NULL, voters INTEGER NOT NULL,
                        agreement REAL NOT NULL, quality REAL NOT NULL, round INTEGER NOT NULL, updated_ms INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS sync_model_rows(
                        item TEXT PRIMARY KEY NOT NULL, vector TEXT NOT NULL, version INTEGER NOT NULL,
                        source TEXT NOT NULL CHECK (source IN ('hub', 'local'))
                    ) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS sync_skills(
                        trace_id TEXT PRIMARY KEY NOT NULL, envelope BLOB NOT NULL, intent TEXT NOT NULL, author TEXT NOT NULL,
                        quality REAL NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    // MARK: Reading

    /// Consolidated patterns, best quality first.
    public func patterns(limit: Int = 10_000) throws -> [ConsolidatedPattern] {
        try store.read { db in
            try Data.fetchAll(db, sql: "SELECT pattern FROM sync_patterns ORDER BY quality DESC, id LIMIT ?", arguments: [max(0, limit)])
                .map { try HiveJSON.decode(ConsolidatedPattern.self, from: $0) }
        }
    }

    /// Global item rows by item id.
    public func modelRows() throws -> [String: [Float]] {
        try store.read { db in
            var rows: [String: [Float]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT item, vector FROM sync_model_rows") {
                if let vector = ModelRowsDelta.decodeVector(row["vector"]) { rows[row["item"]] = vector }
            }
            return rows
        }
    }

    /// The newest model version applied.
    public func modelVersion() throws -> Int64 {
        try store.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(version) FROM sync_model_rows WHERE source = 'hub'") ?? 0 }
    }

    /// Skill traces received, as their authors signed them.
    public func skills(limit: Int = 10_000) throws -> [SkillTrace] {
        try store.read { db in
            try Data.fetchAll(db, sql: "SELECT envelope FROM sync_skills ORDER BY quality DESC, trace_id LIMIT ?", arguments: [max(0, limit)])
                .map { try HiveJSON.decode(SignedEnvelope.self, from: $0).decodePayload(as: SkillTrace.self) }
        }
    }

    /// Counts per table.
    public func counts() throws -> (patterns: Int, modelRows: Int, skills: Int) {
        try store.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sync_patterns") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sync_model_rows") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sync_skills") ?? 0
            )
        }
    }

    /// Records an item row the twin trained itself (`source = local`, so `viewerWins` keeps it).
    public func storeLocalRow(item: String, vector: [Float], version: Int64) throws {
        try Validation.check(item, maxBytes: Validation.Limit.id, nonEmpty: true, field: "item")
        try Validation.checkFinite(vector, field: "vector")
        try store.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO sync_model_rows(item, vector, version, source) VALUES (?, ?, ?, 'local')",
                arguments: [item, ModelRowsDelta.encodeVector(vector), version])
        }
    }

    // MARK: Applying (inside the pull's transaction)

    /// Applies one consolidated pattern under `strategy`; returns whether it collided with a held copy.
    func apply(_ incoming: ConsolidatedPattern, strategy: ConflictStrategy, nowMs: Int64, in db: Database) throws -> Bool {
        let existing = try Data.fetchOne(db, sql: "SELECT pattern FROM sync_patterns WHERE id = ?", arguments: [incoming.id])
            .map { try HiveJSON.decode(ConsolidatedPattern.self, from: $0) }
        var chosen = incoming
        if let existing {
            switch strategy {
            case .viewerWins: chosen = existing
            case .omegaWins: chosen = incoming
            case .qualityWins: chosen = existing.quality > incoming.quality ? existing : incoming
            case .merge:
                chosen.pattern.alpha = max(existing.pattern.alpha, incoming.pattern.alpha)
                chosen.pattern.beta = max(existing.pattern.beta, incoming.pattern.beta)
                chosen.quality = max(existing.quality, incoming.quality)
                chosen.voters = max(existing.voters, incoming.voters)
            }
        }
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO sync_patterns(id, pattern, priority, voters, agreement, quality, round, updated_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                chosen.id, try HiveJSON.encode(chosen), chosen.priority.rawValue, chosen.voters, chosen.agreement, chosen.quality,
                chosen.round, nowMs,
            ])
        return existing != nil
    }

    /// Applies a model delta's rows under `strategy`; returns (rows written, collisions).
    func apply(_ delta: ModelRowsDelta, strategy: ConflictStrategy, in db: Database) throws -> (rows: Int, conflicts: Int) {
        var conflicts = 0
        let select = try db.cachedStatement(sql: "SELECT vector, version, source FROM sync_model_rows WHERE item = ?")
        let upsert = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO sync_model_rows(item, vector, version, source) VALUES (?, ?, ?, ?)")
        for row in delta.rows {
            var vector = row.vector
            var source = "hub"
            if let held = try Row.fetchOne(select, arguments: [row.item]) {
                let heldVector = ModelRowsDelta.decodeVector(held["vector"]) ?? []
                let heldVersion: Int64 = held["version"]
                let heldSource: String = held["source"]
                if heldSource == "local" || heldVersion != delta.version { conflicts += 1 }
                switch strategy {
                case .omegaWins: break
                case .viewerWins where heldSource == "local":
                    continue
                case .viewerWins: break
                case .qualityWins where heldVersion > delta.version:
                    continue
                case .qualityWins: break
                case .merge where heldVector.count == vector.count:
                    vector = zip(heldVector, vector).map { ($0 + $1) / 2 }
                    source = heldSource
                case .merge: break
                }
            }
            try upsert.execute(arguments: [row.item, ModelRowsDelta.encodeVector(vector), delta.version, source])
        }
        return (delta.rows.count, conflicts)
    }

    /// Verifies a skill trace envelope (author signature, canonical payload; no drift check: the
    /// hub vouched for it and this device's clock may be off), deduplicates it through the inbox
    /// and applies it under `strategy`. Returns (applied, collided).
    func apply(skill envelope: SignedEnvelope, strategy: ConflictStrategy, nowMs: Int64, in db: Database) throws -> (Bool, Bool) {
        let id = envelope.id
        if try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM inbox WHERE envelope_id = ?)", arguments: [id]) ?? false {
            return (false, false)
        }
        try envelope.verify(knownKinds: [.skillTrace])
        let trace = try envelope.decodePayload(as: SkillTrace.self)
        let quality = trace.confidence * trace.verificationScore
        let held = try Double.fetchOne(db, sql: "SELECT quality FROM sync_skills WHERE trace_id = ?", arguments: [trace.traceID])
        var write = true
        if let held {
            switch strategy {
            case .viewerWins: write = false
            case .omegaWins: write = true
            case .qualityWins, .merge: write = quality > held
            }
        }
        if write {
            try db.execute(
                sql: "INSERT OR REPLACE INTO sync_skills(trace_id, envelope, intent, author, quality) VALUES (?, ?, ?, ?, ?)",
                arguments: [trace.traceID, try HiveJSON.encode(envelope), trace.intent, trace.instanceID, quality])
        }
        try db.execute(
            sql: "INSERT INTO inbox(envelope_id, kind, signer, received_ms) VALUES (?, ?, ?, ?)",
            arguments: [id, envelope.kind.rawValue, envelope.signerNodeID, nowMs])
        return (true, held != nil)
    }
}
