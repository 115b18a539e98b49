import Foundation
import GRDB
import HiveCore

/// The persisted ``TwinSnapshot`` of a ``TwinStore``: local writes, diffs for sync, and merges
/// of remote diffs, each in one transaction.
public struct SnapshotStore: Sendable {
    public let store: TwinStore

    public init(store: TwinStore) {
        self.store = store
    }

    /// Sets `key` to `value` with a fresh HLC stamp. A `null` value deletes the key (a tombstone).
    /// With `outbox`, the change and a signed `snapshot-diff.v1` envelope carrying it are written
    /// in the same transaction (never for `local_only.*` keys, which stay on the device).
    @discardableResult
    public func set(_ key: String, _ value: JSONValue, outbox: OfflineEnvelopeStore? = nil) throws -> SnapshotEntry {
        let probe = SnapshotEntry(key: key, value: value, stamp: .zero)
        try probe.validate()
        return try store.write { db in
            let entry = try set(key, value, in: db)
            if let outbox, !entry.isLocalOnly {
                let envelope = try SignedEnvelope.sign(
                    SnapshotDiff(entries: [entry], cursor: 0), kind: .snapshotDiff, stamp: entry.stamp,
                    identity: store.identity)
                try outbox.enqueue(envelope, in: db)
            }
            return entry
        }
    }

    /// Sets `key` inside a caller's write transaction.
    public func set(_ key: String, _ value: JSONValue, in db: Database) throws -> SnapshotEntry {
        let entry = SnapshotEntry(key: key, value: value, stamp: store.clock.now())
        try entry.validate()
        try put(entry, in: db)
        return entry
    }

    /// Deletes `key` (writes a tombstone so the deletion propagates).
    public func remove(_ key: String) throws {
        try set(key, .null)
    }

    /// The value at `key`; `nil` when absent or deleted.
    public func value(_ key: String) throws -> JSONValue? {
        try store.read { db in try entry(key, in: db) }.flatMap { $0.value == .null ? nil : $0.value }
    }

    /// The whole snapshot, `local_only.*` keys included.
    public func snapshot() throws -> TwinSnapshot {
        try store.read { db in
            TwinSnapshot(entries: try Row.fetchAll(db, sql: "SELECT key, value, stamp FROM snapshot").map(Self.entry(from:)))
        }
    }

    /// The shared entries changed locally (written or merged) after `cursor`; start with 0.
    public func diff(since cursor: Int64 = 0) throws -> SnapshotDiff {
        try store.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT key, value, stamp, change_seq FROM snapshot WHERE change_seq > ? ORDER BY key",
                arguments: [cursor])
            var last = cursor
            var entries: [SnapshotEntry] = []
            for row in rows {
                last = max(last, row["change_seq"] as Int64)
                let entry = try Self.entry(from: row)
                if !entry.isLocalOnly { entries.append(entry) }
            }
            return SnapshotDiff(entries: entries, cursor: last)
        }
    }

    /// Merges a remote diff: validates every entry and stamp first (nothing is written if any
    /// fails), advances the clock past the remote stamps, applies the winners and records the
    /// losers in the conflicts table. Remote `local_only.*` keys are ignored.
    ///
    /// Throws ``HiveError/Code/invalidInput`` for oversized or malformed entries and
    /// ``HiveError/Code/clockDrift`` for a stamp too far in the future.
    @discardableResult
    public func merge(_ diff: SnapshotDiff) throws -> SnapshotMergeResult {
        guard diff.entries.count <= SnapshotDiff.maxEntries else {
            throw HiveError(.invalidInput, "snapshot diff has \(diff.entries.count) entries; the limit is \(SnapshotDiff.maxEntries)")
        }
        for entry in diff.entries {
            try entry.validate()
            try store.clock.validate(entry.stamp)
        }
        if let latest = diff.entries.map(\.stamp).max() { try store.clock.receive(latest) }
        return try store.write { db in
            let keys = Set(diff.entries.map(\.key))
            var local = TwinSnapshot()
            for key in keys {
                if let current = try entry(key, in: db) { local.set(key, current.value, stamp: current.stamp) }
            }
            let result = local.merge(diff.entries)
            for entry in result.changed { try put(entry, in: db) }
            let now = Int64(clamping: store.nowMs)
            for conflict in result.lost {
                try db.execute(
                    sql: """
                        INSERT INTO snapshot_conflicts(key, value, stamp, winner_stamp, recorded_ms) VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        conflict.loser.key, try Self.encode(conflict.loser.value), conflict.loser.stamp.description,
                        conflict.winnerStamp.description, now,
                    ])
            }
            return result
        }
    }

    /// Values that lost merges for `key` (all keys when `nil`), oldest first.
    public func conflicts(key: String? = nil) throws -> [SnapshotConflict] {
        try store.read { db in
            let rows: [Row]
            if let key {
                rows = try Row.fetchAll(
                    db, sql: "SELECT key, value, stamp, winner_stamp FROM snapshot_conflicts WHERE key = ? ORDER BY seq",
                    arguments: [key])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT key, value, stamp, winner_stamp FROM snapshot_conflicts ORDER BY seq")
            }
            return try rows.map { row in
                guard let winner = HLCTimestamp(row["winner_stamp"] as String) else {
                    throw HiveError(.malformed, "conflict row has a malformed winner stamp")
                }
                return SnapshotConflict(loser: try Self.entry(from: row), winnerStamp: winner)
            }
        }
    }

    private func entry(_ key: String, in db: Database) throws -> SnapshotEntry? {
        try Row.fetchOne(db, sql: "SELECT key, value, stamp FROM snapshot WHERE key = ?", arguments: [key])
            .map(Self.entry(from:))
    }

    private func put(_ entry: SnapshotEntry, in db: Database) throws {
        let seq = try store.allocateSequence(in: db)
        try db.execute(
            sql: "INSERT OR REPLACE INTO snapshot(key, value, stamp, change_seq) VALUES (?, ?, ?, ?)",
            arguments: [entry.key, try Self.encode(entry.value), entry.stamp.description, seq])
    }

    static func encode(_ value: JSONValue) throws -> String {
        String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
    }

    static func entry(from row: Row) throws -> SnapshotEntry {
        let key: String = row["key"]
        guard let stamp = HLCTimestamp(row["stamp"] as String) else {
            throw HiveError(.malformed, "snapshot row \(key) has a malformed stamp")
        }
        let value = try HiveJSON.decode(JSONValue.self, from: Array((row["value"] as String).utf8))
        return SnapshotEntry(key: key, value: value, stamp: stamp)
    }
}
