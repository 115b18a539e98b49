import Synchronization

/// A bounded map from string keys to values, least recently used dropped first, safe to share
/// between requests. When an insert takes it past `capacity`, the least recently used half goes
/// at once (one sort per `capacity / 2` inserts: amortised O(log n) per insert, where dropping one
/// entry per insert would scan everything each time).
final class RecentlyUsedCache<Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var used: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var tick: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// The cached value of each key (nil where missing), marking hits as used.
    func lookup(_ keys: [String]) -> [Value?] {
        state.withLock { state in
            keys.map { key in
                guard var entry = state.entries[key] else { return nil }
                state.tick &+= 1
                entry.used = state.tick
                state.entries[key] = entry
                return entry.value
            }
        }
    }

    /// Stores `values` under `keys` (same order), then trims to half the capacity if it is exceeded.
    func store(_ keys: [String], _ values: [Value]) {
        state.withLock { state in
            for (key, value) in zip(keys, values) {
                state.tick &+= 1
                state.entries[key] = Entry(value: value, used: state.tick)
            }
            guard state.entries.count > capacity else { return }
            let keep = capacity / 2
            let cutoff = state.entries.values.map(\.used).sorted(by: >)[min(keep, state.entries.count - 1)]
            state.entries = state.entries.filter { $0.value.used > cutoff }
        }
    }
}
