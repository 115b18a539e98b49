import HiveCore
import PropertyBased
import Testing
@testable import HiveTwin

/// Merge laws of the LWW snapshot over generated snapshots. Keys, values, clock values and node
/// ids come from small pools so the same key is often written on several replicas, equal clock
/// values meet different node ids, and identical stamps meet different values (the tiebreak path).
@Suite("TwinSnapshot merge laws")
struct TwinSnapshotPropertyTests {
    static let keys = ["theme", "volume", "genre.top", "mood", "local_only.pin", "local_only.device"]
    static let values: [JSONValue] = [
        .null, .bool(true), .bool(false), .number(1), .number(2.5), .string("dark"), .string("light"),
        .array([.number(1), .string("x")]), .object(["a": .number(1)]),
    ]
    static let nodes = ["a", "b", "c"]

    static let entry = zip(
        Gen.int(in: 0...(keys.count - 1)), Gen.int(in: 0...(values.count - 1)), Gen.int(in: 0...6), Gen.int(in: 0...2)
    ).map { key, value, time, node in
        SnapshotEntry(
            key: keys[key], value: values[value],
            stamp: HLCTimestamp(physicalMs: 1_000 + UInt64(time / 2), logical: UInt16(time % 2), nodeID: nodes[node]))
    }
    static let snapshot = entry.array(of: 0...8).map { TwinSnapshot(entries: $0) }

    @Test("commutative, associative, idempotent; local_only.* survives (≥ 10,000 cases)")
    func laws() async {
        await propertyCheck(count: 10_000, input: Self.snapshot, Self.snapshot, Self.snapshot) { a, b, c in
            // Commutative on what replicas share.
            #expect(a.merged(with: b).exported() == b.merged(with: a).exported())
            // Associative.
            #expect(a.merged(with: b).merged(with: c).exported() == a.merged(with: b.merged(with: c)).exported())
            // Idempotent.
            #expect(a.merged(with: a) == a)
            #expect(a.merged(with: b).merged(with: b) == a.merged(with: b))
            // local_only.* is never overwritten nor imported.
            let merged = a.merged(with: b).merged(with: c)
            #expect(merged.localOnly == a.localOnly)
            // Every shared key ends at the maximum entry across the replicas.
            for (key, value) in merged.exported().entries {
                for source in [a, b, c] {
                    if let other = source.entries[key] { #expect(value == other || value.wins(over: other)) }
                }
            }
            // Losing values are reported, never dropped silently.
            var target = a
            let result = target.merge(b)
            for (key, remote) in b.exported().entries {
                if let local = a.entries[key], local != remote {
                    #expect(result.lost.contains { $0.loser == (remote.wins(over: local) ? local : remote) })
                }
            }
        }
    }
}
