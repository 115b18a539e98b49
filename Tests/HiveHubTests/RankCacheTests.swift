import Foundation
import HiveCore
import Synchronization
import Testing

@testable import HiveHub

@Suite("Rank cache")
struct RankCacheTests {
    @Test("ranks from one scan equal the store's exact ranks; new twins are exact; invalidation rescans", arguments: Backend.available)
    func ranks(backend: Backend) async throws {
        try await Fixture.withStore(backend) { store in
            for id in ["t2", "t4", "t6", "t8"] { try await HubStoreTests.register(store, HubStoreTests.twin(id)) }
            let order = try await store.rankOrder()
            #expect(order == ["t2", "t4", "t6", "t8"])
            let cache = RankCache(maxAgeMs: 5_000, maxScanShare: nil)
            let now = HubStoreTests.now
            for id in order {
                let expected = try await store.rank(twinID: id)
                #expect(try await cache.rank(twinID: id, store: store, nowMs: now) == expected)
            }
            // Registered after the scan: not in the cache, so its rank is computed exactly.
            try await HubStoreTests.register(store, HubStoreTests.twin("t1"))
            #expect(try await cache.rank(twinID: "t1", store: store, nowMs: now + 1) == 1)
            // Others keep the scanned rank until the cache expires or is invalidated.
            #expect(try await cache.rank(twinID: "t4", store: store, nowMs: now + 1) == 2)
            #expect(try await cache.rank(twinID: "t4", store: store, nowMs: now + 5_000) == 3)
            try await HubStoreTests.register(store, HubStoreTests.twin("t3"))
            cache.invalidate()
            #expect(try await cache.rank(twinID: "t4", store: store, nowMs: now + 5_001) == 4)
            // An unknown twin is the store's not-found error, as before.
            await #expect(throws: HiveError.self) { try await cache.rank(twinID: "nobody", store: store, nowMs: now + 5_002) }
        }
    }

    @Test("callers during the first scan wait for it: no per-caller count; later callers reuse it")
    func concurrentFirstScan() async throws {
        let cache = RankCache(maxAgeMs: 5_000, maxScanShare: nil)
        let calls = Calls()
        let ids = (0..<1000).map { "t\($0)" }
        let order: @Sendable () async throws -> [String] = {
            calls.scans.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(50))
            return ids
        }
        let ranks = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for id in ids.prefix(200) {
                group.addTask {
                    (id, try await cache.rank(twinID: id, nowMs: 1_000, order: order, exact: { _ in calls.counts.add(1, ordering: .relaxed); return -1 }))
                }
            }
            var out: [String: Int] = [:]
            for try await (id, rank) in group { out[id] = rank }
            return out
        }
        #expect(calls.scans.load(ordering: .relaxed) == 1)
        #expect(calls.counts.load(ordering: .relaxed) == 0)
        for (id, rank) in ranks { #expect(ids[rank - 1] == id) }
        // Fresh: no new scan; a twin missing from the scan is counted exactly.
        #expect(try await cache.rank(twinID: "t7", nowMs: 2_000, order: order, exact: { _ in -1 }) == 8)
        #expect(try await cache.rank(twinID: "late", nowMs: 2_000, order: order, exact: { _ in 1001 }) == 1001)
        #expect(calls.scans.load(ordering: .relaxed) == 1)
        // A failed scan fails the callers waiting for it and the next caller scans again.
        let failing: @Sendable () async throws -> [String] = { throw HiveError(.io, "down") }
        await #expect(throws: HiveError.self) { try await cache.rank(twinID: "late", nowMs: 9_000, order: failing, exact: { _ in -1 }) }
        #expect(try await cache.rank(twinID: "t1", nowMs: 9_001, order: order, exact: { _ in -1 }) == 2)
        #expect(calls.scans.load(ordering: .relaxed) == 2)
    }

    @Test("a slow scan is reused for longer: rescans take at most maxScanShare of the time")
    func slowScansSpacedOut() async throws {
        let cache = RankCache(maxAgeMs: 1_000, maxScanShare: 0.01)
        #expect(cache.lifetime(scanMs: 2) == 1_000)
        #expect(cache.lifetime(scanMs: 300) == 30_000)
        #expect(RankCache(maxAgeMs: 1_000, maxScanShare: nil).lifetime(scanMs: 300) == 1_000)
        let calls = Calls()
        let order: @Sendable () async throws -> [String] = {
            calls.scans.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(40))
            return ["a", "b"]
        }
        #expect(try await cache.rank(twinID: "b", nowMs: 0, order: order, exact: { _ in -1 }) == 2)
        // The scan took ≥ 40 ms, so its ranks serve for ≥ 4 s, not just maxAgeMs (1 s).
        #expect(try await cache.rank(twinID: "a", nowMs: 3_900, order: order, exact: { _ in -1 }) == 1)
        #expect(calls.scans.load(ordering: .relaxed) == 1)
        // Invalidation (a round on this hub) still rescans at once.
        cache.invalidate()
        #expect(try await cache.rank(twinID: "a", nowMs: 3_901, order: order, exact: { _ in -1 }) == 1)
        #expect(calls.scans.load(ordering: .relaxed) == 2)
    }

    /// Store reads made by the cache under test.
    final class Calls: Sendable {
        let scans = Atomic<Int>(0)
        let counts = Atomic<Int>(0)
    }
}
