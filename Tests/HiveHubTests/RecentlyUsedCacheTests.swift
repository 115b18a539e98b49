import Testing

@testable import HiveHub

@Suite("Recently used cache")
struct RecentlyUsedCacheTests {
    @Test("past capacity only the capacity/2 most recently used stay; a lookup counts as a use")
    func dropsLeastRecentlyUsedHalf() {
        let cache = RecentlyUsedCache<Int>(capacity: 4)
        cache.store(["a", "b", "c", "d"], [1, 2, 3, 4])
        #expect(cache.count == 4)
        // Uses, oldest first: c, d, a, b, then e when it is stored.
        #expect(cache.lookup(["a", "b"]) == [1, 2])
        cache.store(["e"], [5])
        #expect(cache.count == 2)
        #expect(cache.lookup(["a", "c", "d"]) == [nil, nil, nil])
        #expect(cache.lookup(["b", "e"]) == [2, 5])
    }

    @Test("a stored key is replaced, not duplicated; missing keys are nil")
    func replacesAndMisses() {
        let cache = RecentlyUsedCache<[Float]>(capacity: 8)
        cache.store(["x"], [[1, 2]])
        cache.store(["x"], [[3]])
        #expect(cache.count == 1)
        #expect(cache.lookup(["x", "y"]) == [[3], nil])
    }
}
