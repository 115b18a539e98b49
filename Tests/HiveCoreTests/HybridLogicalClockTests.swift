import Synchronization
import Testing
@testable import HiveCore

@Suite("HybridLogicalClock")
struct HybridLogicalClockTests {
    @Test("strictly monotonic from many concurrent tasks, even with a frozen physical clock")
    func concurrentMonotonic() async {
        let clock = HybridLogicalClock(nodeID: "a", physicalClock: { 1_700_000_000_000 })
        let perTask = 2_000
        let all = await withTaskGroup(of: [HLCTimestamp].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var stamps: [HLCTimestamp] = []
                    for _ in 0..<perTask { stamps.append(clock.now()) }
                    return stamps
                }
            }
            var all: [HLCTimestamp] = []
            for await stamps in group {
                #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })
                all += stamps
            }
            return all
        }
        #expect(all.count == 8 * perTask)
        #expect(Set(all).count == all.count)
    }

    @Test("counter overflow carries into the physical part and stays monotonic")
    func overflow() {
        let clock = HybridLogicalClock(nodeID: "a", physicalClock: { 5 })
        var previous = clock.now()
        for _ in 0..<70_000 {
            let next = clock.now()
            #expect(previous < next)
            previous = next
        }
    }

    @Test("receive returns a stamp greater than both the remote and the local stamps")
    func receive() throws {
        let local = HybridLogicalClock(nodeID: "a", physicalClock: { 1_000_000 })
        let before = local.now()
        let remote = HLCTimestamp(physicalMs: 1_000_100, logical: 7, nodeID: "b")
        let merged = try local.receive(remote)
        #expect(merged > remote)
        #expect(merged > before)
        #expect(local.now() > merged)
    }

    @Test("a device an hour behind still orders its causally later write after the remote one")
    func slowClockCausality() throws {
        let hour: UInt64 = 3_600_000
        let fast = HybridLogicalClock(nodeID: "fast", physicalClock: { 10 * hour })
        // The drift bound is the receiver's policy: with the default 5 min, a receiver whose own
        // clock is an hour slow refuses correct stamps (tested below), so a twin that must
        // tolerate its own bad clock widens it.
        let slow = HybridLogicalClock(nodeID: "slow", maxDriftMs: 2 * hour, physicalClock: { 9 * hour })
        let write = fast.now()
        _ = try slow.receive(write)
        let reply = slow.now()
        #expect(reply > write)
        let strict = HybridLogicalClock(nodeID: "strict", physicalClock: { 9 * hour })
        #expect(throws: HiveError.self) { try strict.receive(write) }
    }

    @Test("a far-future stamp is rejected with clock-drift and leaves the clock unchanged")
    func farFuture() throws {
        let clock = HybridLogicalClock(nodeID: "a", maxDriftMs: 5 * 60 * 1000, physicalClock: { 1_000_000_000 })
        let before = clock.last
        let remote = HLCTimestamp(physicalMs: 1_000_000_000 + 6 * 60 * 1000, logical: 0, nodeID: "b")
        let error = try #require(throws: HiveError.self) { try clock.receive(remote) }
        #expect(error.code == .clockDrift)
        #expect(clock.last == before)
        let nearFuture = HLCTimestamp(physicalMs: 1_000_000_000 + 4 * 60 * 1000, logical: 0, nodeID: "b")
        #expect(try clock.receive(nearFuture) > nearFuture)
    }

    @Test("wire form round-trips and malformed text is rejected")
    func wireForm() throws {
        let stamp = HLCTimestamp(physicalMs: 1_700_000_000_123, logical: 42, nodeID: "abc123")
        #expect(HLCTimestamp(stamp.description) == stamp)
        #expect(HLCTimestamp("xyz") == nil)
        #expect(HLCTimestamp("0000000000000001-bad node") == nil)
        let decoded = try HiveJSON.decode([HLCTimestamp].self, from: try HiveJSON.encode([stamp]))
        #expect(decoded == [stamp])
    }
}
