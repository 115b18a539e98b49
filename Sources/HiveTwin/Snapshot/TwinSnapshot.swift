import HiveCore

/// A twin's small mergeable state: a map from key to the latest value by HLC
/// (a last-writer-wins map, a state-based CRDT).
///
/// Merging is per key: the entry whose stamp is later wins (see ``SnapshotEntry/wins(over:)``
/// for the deterministic tiebreak). So for the shared keys merge is commutative, associative
/// and idempotent, and replicas that saw the same writes agree whatever order they saw them in.
/// Keys under `local_only.` belong to this device: ``exported()`` leaves them out and
/// ``merge(_:)`` never takes them from a remote snapshot. Values that lose a merge are
/// returned in the ``SnapshotMergeResult`` so they can be kept readable.
public struct TwinSnapshot: Hashable, Sendable {
    /// The prefix of device-private keys.
    public static let localOnlyPrefix = "local_only."

    /// Whether `key` is device-private.
    public static func isLocalOnly(_ key: String) -> Bool { key.hasPrefix(localOnlyPrefix) }

    /// The entries by key.
    public private(set) var entries: [String: SnapshotEntry]

    public init(entries: [SnapshotEntry] = []) {
        var map: [String: SnapshotEntry] = [:]
        for entry in entries where map[entry.key].map({ entry.wins(over: $0) }) ?? true {
            map[entry.key] = entry
        }
        self.entries = map
    }

    /// The value at `key`, `nil` when absent or deleted.
    public subscript(key: String) -> JSONValue? {
        guard let value = entries[key]?.value, value != .null else { return nil }
        return value
    }

    /// Sets `key` locally with a stamp from the twin's clock (which must exceed any stamp seen).
    public mutating func set(_ key: String, _ value: JSONValue, stamp: HLCTimestamp) {
        entries[key] = SnapshotEntry(key: key, value: value, stamp: stamp)
    }

    /// The snapshot without `local_only.*` keys: what may leave the device.
    public func exported() -> TwinSnapshot {
        var copy = self
        copy.entries = entries.filter { !$0.value.isLocalOnly }
        return copy
    }

    /// The `local_only.*` entries.
    public var localOnly: [String: SnapshotEntry] { entries.filter { $0.value.isLocalOnly } }

    /// Merges `remote` into this snapshot and reports what changed and which values lost.
    /// Remote `local_only.*` keys are ignored.
    @discardableResult
    public mutating func merge(_ remote: TwinSnapshot) -> SnapshotMergeResult {
        merge(Array(remote.entries.values))
    }

    /// Merges remote entries (a diff) into this snapshot.
    @discardableResult
    public mutating func merge(_ remote: [SnapshotEntry]) -> SnapshotMergeResult {
        var result = SnapshotMergeResult()
        for incoming in remote.sorted(by: { $0.key < $1.key }) {
            if incoming.isLocalOnly {
                result.ignoredLocalOnly.append(incoming.key)
                continue
            }
            guard let current = entries[incoming.key] else {
                entries[incoming.key] = incoming
                result.changed.append(incoming)
                continue
            }
            if current == incoming { continue }
            if incoming.wins(over: current) {
                entries[incoming.key] = incoming
                result.changed.append(incoming)
                result.lost.append(SnapshotConflict(loser: current, winnerStamp: incoming.stamp))
            } else {
                result.lost.append(SnapshotConflict(loser: incoming, winnerStamp: current.stamp))
            }
        }
        return result
    }

    /// This snapshot merged with `remote` (non-mutating form).
    public func merged(with remote: TwinSnapshot) -> TwinSnapshot {
        var copy = self
        copy.merge(remote)
        return copy
    }
}
