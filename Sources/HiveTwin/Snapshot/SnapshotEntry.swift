import HiveCore

/// One key of a ``TwinSnapshot``: its value and the HLC stamp of the write that set it.
/// A `null` value is a deletion (a tombstone that takes part in merges like any value).
public struct SnapshotEntry: Hashable, Sendable, Codable {
    public var key: String
    public var value: JSONValue
    public var stamp: HLCTimestamp

    public init(key: String, value: JSONValue, stamp: HLCTimestamp) {
        self.key = key
        self.value = value
        self.stamp = stamp
    }

    /// Longest key, in UTF-8 bytes.
    public static let maxKeyBytes = 256
    /// Largest value, in bytes of canonical JSON.
    public static let maxValueBytes = 64 * 1024

    /// Whether `self` beats `other` for the same key: the later HLC stamp wins (its node id
    /// breaks equal clock values); identical stamps with different values — only possible from a
    /// misbehaving peer — are ordered by the canonical JSON bytes, so every replica picks the same one.
    public func wins(over other: SnapshotEntry) -> Bool {
        if stamp != other.stamp { return stamp > other.stamp }
        let mine = (try? CanonicalJSON.encode(value)) ?? []
        let theirs = (try? CanonicalJSON.encode(other.value)) ?? []
        return theirs.lexicographicallyPrecedes(mine)
    }

    /// Whether the key is device-private (`local_only.*`): never exported, never overwritten.
    public var isLocalOnly: Bool { TwinSnapshot.isLocalOnly(key) }

    /// Checks key and value sizes and that numbers are finite.
    public func validate() throws {
        try Validation.check(key, maxBytes: Self.maxKeyBytes, nonEmpty: true, field: "snapshot key")
        guard !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw HiveError(.invalidInput, "snapshot key must not contain control characters")
        }
        let bytes: [UInt8]
        do {
            bytes = try CanonicalJSON.encode(value)
        } catch {
            throw HiveError(.invalidInput, "snapshot value for \(key) is not encodable JSON (non-finite number?)")
        }
        guard bytes.count <= Self.maxValueBytes else {
            throw HiveError(.invalidInput, "snapshot value for \(key) is \(bytes.count) bytes; the limit is \(Self.maxValueBytes)")
        }
    }
}
