import Synchronization

/// Twins' ranks (``OmegaSyncResponse/Metadata/viewerRank``) from one scan of all twins in rank
/// order, reused for `maxAgeMs`, instead of a `COUNT(*)` over the twins table on every sync: at
/// 100K twins that count scanned the table per request and capped the hub's sync rate.
///
/// A cached rank is at most `maxAgeMs` old. Reputations change only in aggregation rounds, which
/// invalidate the cache on this hub (a round on a replica shows within `maxAgeMs`); a twin
/// registered after the scan gets its exact rank from the store. One caller refreshes at a time;
/// the others keep serving the previous ranks meanwhile.
public final class RankCache: Sendable {
    public let maxAgeMs: Int64
    private let state = Mutex(State())

    struct State {
        var ranks: [String: Int] = [:]
        var takenAtMs: Int64?
        var refreshing = false
    }

    public init(maxAgeMs: Int64 = 5_000) {
        self.maxAgeMs = maxAgeMs
    }

    /// The 1-based rank of `twinID` (reputation descending, ties by id).
    public func rank(twinID: String, store: any HubStore, nowMs: Int64) async throws -> Int {
        let (cached, refresh) = state.withLock { state -> (Int?, Bool) in
            let fresh = state.takenAtMs.map { nowMs - $0 >= 0 && nowMs - $0 < maxAgeMs } ?? false
            if fresh || state.refreshing { return (state.ranks[twinID], false) }
            state.refreshing = true
            return (nil, true)
        }
        if let cached, !refresh { return cached }
        guard refresh else { return try await store.rank(twinID: twinID) }
        let order: [String]
        do {
            order = try await store.rankOrder()
        } catch {
            state.withLock { $0.refreshing = false }
            throw error
        }
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(order.count)
        for (position, id) in order.enumerated() { ranks[id] = position + 1 }
        let rank = ranks[twinID]
        state.withLock { state in
            state.ranks = ranks
            state.takenAtMs = nowMs
            state.refreshing = false
        }
        if let rank { return rank }
        return try await store.rank(twinID: twinID)
    }

    /// Forgets the cached ranks (after an aggregation round changed reputations).
    public func invalidate() {
        state.withLock { $0.takenAtMs = nil }
    }
}
