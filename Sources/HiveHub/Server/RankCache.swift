import Synchronization

/// Twins' ranks (``OmegaSyncResponse/Metadata/viewerRank``) from one scan of all twins in rank
/// order, reused for a while, instead of a `COUNT(*)` over the twins table on every sync: at
/// 100K twins that count scanned the table per request and capped the hub's sync rate.
///
/// A cached rank is at most `maxAgeMs` old, or, when scans take long, at most the last scan's
/// duration divided by `maxScanShare`: the rescans then take at most that share of the time, however
/// many twins there are. (At 100,000 twins a 5 s rescan made a burst of hub and database CPU every
/// 5 s, which showed in the load test's p95.) Reputations change only in aggregation rounds, which
/// invalidate the cache on this hub (a round on a replica shows once the cache expires); a twin
/// registered after the scan gets its exact rank from the store. One scan runs at a time, awaited
/// by the caller that started it: while it runs, twins the previous scan knows get their previous
/// rank, and the others (on the first scan, everyone) wait for the scan instead of each counting
/// the whole table — at 100K twins those
/// counts, one per request during the first scan, kept the hub from ever finishing it.
public final class RankCache: Sendable {
    public let maxAgeMs: Int64
    /// The largest share of wall time rescans may take (`nil`: always rescan after `maxAgeMs`).
    public let maxScanShare: Double?
    private let state = Mutex(State())

    struct State {
        var ranks: [String: Int] = [:]
        var takenAtMs: Int64?
        /// How long the cached ranks stay usable: `maxAgeMs`, or longer after a slow scan.
        var lifetimeMs: Int64 = 0
        /// The scan under way, which every caller without a usable rank awaits.
        var scan: Task<[String: Int], any Error>?
    }

    public init(maxAgeMs: Int64 = 5_000, maxScanShare: Double? = 0.01) {
        self.maxAgeMs = maxAgeMs
        self.maxScanShare = maxScanShare.map { min(max($0, 1e-4), 1) }
    }

    /// How long ranks from a scan that took `scanMs` stay usable.
    func lifetime(scanMs: Double) -> Int64 {
        guard let maxScanShare else { return maxAgeMs }
        return max(maxAgeMs, Int64((scanMs / maxScanShare).rounded(.up)))
    }

    /// The 1-based rank of `twinID` (reputation descending, ties by id).
    public func rank(twinID: String, store: any HubStore, nowMs: Int64) async throws -> Int {
        try await rank(twinID: twinID, nowMs: nowMs, order: { try await store.rankOrder() }, exact: { try await store.rank(twinID: $0) })
    }

    /// ``rank(twinID:store:nowMs:)`` over the two store reads it needs: `order`, every twin id in
    /// rank order, and `exact`, one twin's rank counted.
    func rank(
        twinID: String, nowMs: Int64, order: @escaping @Sendable () async throws -> [String],
        exact: (String) async throws -> Int
    ) async throws -> Int {
        let (cached, scan) = state.withLock { state -> (Int?, Task<[String: Int], any Error>?) in
            let fresh = state.takenAtMs.map { nowMs - $0 >= 0 && nowMs - $0 < state.lifetimeMs } ?? false
            if fresh { return (state.ranks[twinID], nil) }
            if let scan = state.scan { return (state.ranks[twinID], scan) }
            let scan = Task { () async throws -> [String: Int] in
                do {
                    let started = ContinuousClock.now
                    let ids = try await order()
                    var ranks: [String: Int] = [:]
                    ranks.reserveCapacity(ids.count)
                    for (position, id) in ids.enumerated() { ranks[id] = position + 1 }
                    let taken = ranks
                    let took = (ContinuousClock.now - started).components
                    let scanMs = Double(took.seconds) * 1000 + Double(took.attoseconds) / 1e15
                    let lifetime = self.lifetime(scanMs: scanMs)
                    self.state.withLock { state in
                        state.ranks = taken
                        state.takenAtMs = nowMs
                        state.lifetimeMs = lifetime
                        state.scan = nil
                    }
                    return taken
                } catch {
                    self.state.withLock { $0.scan = nil }
                    throw error
                }
            }
            state.scan = scan
            // The caller that starts a scan waits for it, so a rank it returns is never older than the cache's lifetime.
            return (nil, scan)
        }
        if let cached { return cached }
        if let scan, let rank = try await scan.value[twinID] { return rank }
        // Registered after the scan (or unknown: the store's not-found error).
        return try await exact(twinID)
    }

    /// Forgets the cached ranks (after an aggregation round changed reputations).
    public func invalidate() {
        state.withLock { $0.takenAtMs = nil }
    }
}
