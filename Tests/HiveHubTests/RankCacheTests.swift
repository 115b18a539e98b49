import Foundation
import HiveCore
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
            let cache = RankCache(maxAgeMs: 5_000)
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
}
