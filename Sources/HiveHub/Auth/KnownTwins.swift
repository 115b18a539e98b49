import Synchronization

/// Registered twins by id, kept in memory for the sync path so a sync does not read the twin's row
/// before its write transaction.
///
/// Only the fields fixed at registration are relied on: the id, the public key (a twin id is
/// derived from the user id and that key, so it never changes for an id), the user id and the
/// registration time. Reputation, counters and the blocked flag in a cached record go stale; the
/// sync path never reads them — the store checks the blocked flag inside the write transaction of
/// every sync instead. Bounded: when full it starts over, and twins are read once more.
final class KnownTwins: Sendable {
    private let twins = Mutex<[String: TwinRecord]>([:])
    let capacity: Int

    init(capacity: Int = 250_000) {
        self.capacity = max(1, capacity)
    }

    func lookup(_ id: String) -> TwinRecord? {
        twins.withLock { $0[id] }
    }

    func insert(_ twin: TwinRecord) {
        twins.withLock { twins in
            if twins.count >= capacity, twins[twin.id] == nil { twins.removeAll(keepingCapacity: true) }
            twins[twin.id] = twin
        }
    }

    var count: Int { twins.withLock { $0.count } }
}
