import HiveCore
import Testing
@testable import HiveTwin

@Suite("SnapshotStore")
struct SnapshotStoreTests {
    @Test("a device whose clock runs an hour behind still wins when its write is causally later")
    func hlcBeatsWallClock() throws {
        let dir = TemporaryDirectory()
        let ahead = ManualClock(1_763_700_000_000)
        let behind = ManualClock(1_763_700_000_000 - 3_600_000)
        let phone = SnapshotStore(store: try Fixtures.open(dir, name: "phone.sqlite", user: "ana", clock: ahead))
        // Its drift bound must exceed its skew, or it would refuse the phone's stamps as "from the future".
        let tv = SnapshotStore(
            store: try Fixtures.open(dir, name: "tv.sqlite", user: "ana", clock: behind) { $0.maxDriftMs = 2 * 3_600_000 })

        try phone.set("subtitles", .string("off"))
        // The tv (an hour behind) syncs, sees the phone's value, then the user changes it on the tv.
        try tv.merge(try phone.diff())
        ahead.advance(10)
        behind.advance(10)
        try tv.set("subtitles", .string("on"))
        let tvWrite = try tv.diff().entries.first { $0.key == "subtitles" }
        #expect(tvWrite.map { $0.stamp.physicalMs } ?? 0 > behind.ms)  // stamped past the phone's write, not at its own wall clock

        // Wall-clock LWW would keep the phone's "off" (its wall time is an hour later); HLC keeps "on".
        let result = try phone.merge(try tv.diff())
        #expect(try phone.value("subtitles") == .string("on"))
        #expect(result.changed.map(\.key) == ["subtitles"])
        #expect(result.lost.first?.loser.value == .string("off"))
        #expect(try phone.conflicts(key: "subtitles").first?.loser.value == .string("off"))
    }

    @Test("local_only keys are not exported and not overwritten; diff cursor returns only later changes")
    func localOnlyAndCursor() throws {
        let dir = TemporaryDirectory()
        let a = SnapshotStore(store: try Fixtures.open(dir, name: "a.sqlite"))
        let b = SnapshotStore(store: try Fixtures.open(dir, name: "b.sqlite"))
        try a.set("local_only.pin", .string("1234"))
        try a.set("theme", .string("dark"))
        let first = try a.diff()
        #expect(first.entries.map(\.key) == ["theme"])

        try b.set("local_only.pin", .string("9999"))
        // A hostile peer sends a local_only key with a far later stamp: ignored.
        var hostile = first
        hostile.entries.append(
            SnapshotEntry(key: "local_only.pin", value: .string("0000"), stamp: b.store.clock.now()))
        let result = try b.merge(hostile)
        #expect(result.ignoredLocalOnly == ["local_only.pin"])
        #expect(try b.value("local_only.pin") == .string("9999"))
        #expect(try b.value("theme") == .string("dark"))

        try a.set("volume", .number(7))
        let second = try a.diff(since: first.cursor)
        #expect(second.entries.map(\.key) == ["volume"])
        // Merged entries count as local changes for the next relay.
        let relay = try b.diff(since: 0)
        #expect(Set(relay.entries.map(\.key)) == ["theme"])
    }

    @Test("persisted merges agree with the in-memory snapshot merge")
    func persistedMatchesPure() throws {
        let dir = TemporaryDirectory()
        let a = SnapshotStore(store: try Fixtures.open(dir, name: "a.sqlite"))
        let b = SnapshotStore(store: try Fixtures.open(dir, name: "b.sqlite"))
        for i in 0..<20 {
            try a.set("k\(i % 7)", .number(Double(i)))
            try b.set("k\(i % 5)", .string("b\(i)"))
        }
        let expected = try a.snapshot().merged(with: try b.snapshot())
        try a.merge(try b.diff())
        #expect(try a.snapshot() == expected)
        try b.merge(try a.diff())
        #expect(try b.snapshot().exported() == expected.exported())
        // Re-applying the same diff changes nothing.
        let again = try a.merge(try b.diff())
        #expect(again.changed.isEmpty)
    }

    @Test("bad diffs are rejected whole: oversized value, control-character key, stamp from the future")
    func badInput() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let store = SnapshotStore(store: try Fixtures.open(dir, clock: clock))
        let good = SnapshotEntry(key: "ok", value: .number(1), stamp: HLCTimestamp(physicalMs: clock.ms, logical: 0, nodeID: "p"))
        let big = SnapshotEntry(
            key: "big", value: .string(String(repeating: "x", count: 70_000)),
            stamp: HLCTimestamp(physicalMs: clock.ms, logical: 0, nodeID: "p"))
        let control = SnapshotEntry(key: "a\u{7}", value: .number(1), stamp: HLCTimestamp(physicalMs: clock.ms, logical: 0, nodeID: "p"))
        let future = SnapshotEntry(
            key: "f", value: .number(1), stamp: HLCTimestamp(physicalMs: clock.ms + 3_600_000, logical: 0, nodeID: "p"))
        for bad in [big, control] {
            #expect { try store.merge(SnapshotDiff(entries: [good, bad], cursor: 0)) } throws: {
                ($0 as? HiveError)?.code == .invalidInput
            }
        }
        #expect { try store.merge(SnapshotDiff(entries: [good, future], cursor: 0)) } throws: {
            ($0 as? HiveError)?.code == .clockDrift
        }
        #expect { try store.set("n", .number(.nan)) } throws: { ($0 as? HiveError)?.code == .invalidInput }
        #expect(try store.snapshot().entries.isEmpty)
    }
}
