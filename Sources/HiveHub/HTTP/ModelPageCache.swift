import Synchronization

/// Encoded, signed `GET /model` answers by (sinceVersion, current version). When every twin pulls
/// after a round, they ask for the same page: without the cache each request re-reads every
/// changed row, re-encodes and re-signs it (a full 1 682 × 33 MovieLens model is ≈ 300 KB of
/// JSON and a canonical-JSON signature per twin). A page is fully determined by its key —
/// versions are never rewritten and rows changed after `since` at version `v` are fixed once `v`
/// is published — so a hit is byte-identical to a fresh answer. Holds at most `capacity` pages,
/// dropping the oldest.
final class ModelPageCache: Sendable {
    struct Key: Hashable {
        var since: Int64
        var version: Int64
    }

    private let pages = Mutex<(entries: [Key: [UInt8]], order: [Key])>(([:], []))
    private let capacity: Int

    init(capacity: Int = 8) { self.capacity = max(1, capacity) }

    func page(since: Int64, version: Int64) -> [UInt8]? {
        pages.withLock { $0.entries[Key(since: since, version: version)] }
    }

    func store(_ bytes: [UInt8], since: Int64, version: Int64) {
        let key = Key(since: since, version: version)
        pages.withLock { state in
            if state.entries.updateValue(bytes, forKey: key) == nil { state.order.append(key) }
            while state.order.count > capacity { state.entries[state.order.removeFirst()] = nil }
        }
    }
}
