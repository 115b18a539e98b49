import HiveCore

extension OmegaCore {
    /// Most patterns one distribution package carries.
    public static let maxDistributionPatterns = 1_000
    /// Most feed events read to date consolidated patterns.
    static let maxFeedScan = 200_000

    /// When each consolidated pattern was published (pattern id → feed `createdAt`), read from
    /// the feed in pages.
    func consolidationTimes() async throws -> [String: Int64] {
        var times: [String: Int64] = [:]
        var cursor: Int64 = 0
        var scanned = 0
        while scanned < Self.maxFeedScan {
            let page = try await store.feed(after: cursor, kinds: [.patternConsolidated], twinID: nil, limit: 1_000)
            for event in page { times[event.ref] = event.createdAt }
            scanned += page.count
            guard page.count == 1_000, let last = page.last else { break }
            cursor = last.seq
        }
        return times
    }

    /// When the ledger recorded `patternID` as consolidated (its `pattern` entry's time), scanning
    /// back from the newest entry over at most ``maxFeedScan`` entries. The ledger is append-only,
    /// so a pattern pruned since (and gone from the feed) is still found here.
    func ledgerConsolidation(of patternID: String) async throws -> Int64? {
        let ledger = store.ledger
        var end = try await ledger.size()
        let floor = end > UInt64(Self.maxFeedScan) ? end - UInt64(Self.maxFeedScan) : 0
        while end > floor {
            let start = max(floor, end >= 1_000 ? end - 1_000 : 0)
            for bytes in try await ledger.entries(in: start..<end).reversed() {
                guard let entry = try? HubLedgerEntry.decode(bytes) else { continue }
                if entry.kind == .pattern, entry.ref == patternID { return entry.at ?? 0 }
            }
            end = start
        }
        return nil
    }

    /// Builds the signed distribution package of consolidated patterns with priority `priority` or
    /// higher (best first, at most `limit`), and for `viewerIDs` (every registered twin when nil)
    /// what each is still missing. Unknown viewer ids throw `notFound` naming them; nothing changes.
    public func distribution(
        viewerIDs: [String]?, priority: ConsolidatedPattern.Priority = .low, limit: Int = 100
    ) async throws -> Distribution {
        guard (1...Self.maxDistributionPatterns).contains(limit) else {
            throw HiveError(.invalidInput, "limit must be in 1…\(Self.maxDistributionPatterns), got \(limit)")
        }
        var viewers: [TwinRecord] = []
        if let viewerIDs {
            guard viewerIDs.count <= 1_000 else {
                throw HiveError(.invalidInput, "at most 1000 viewerIds, got \(viewerIDs.count)")
            }
            var unknown: [String] = []
            for id in viewerIDs {
                try Validation.check(id, maxBytes: Validation.Limit.id, nonEmpty: true, field: "viewerIds[]")
                if let twin = try await store.twin(id: id) { viewers.append(twin) } else { unknown.append(id) }
            }
            guard unknown.isEmpty else {
                throw HiveError(
                    .notFound,
                    "unknown viewer ids: \(unknown.prefix(5).joined(separator: ", "))\(unknown.count > 5 ? " …" : "")")
            }
        } else {
            var after: String?
            while viewers.count < 100_000 {
                let page = try await store.twins(after: after, limit: 500)
                viewers += page
                guard page.count == 500 else { break }
                after = page.last?.id
            }
        }
        var patterns: [ConsolidatedPattern] = []
        for level in ConsolidatedPattern.Priority.allCases where level.rank <= priority.rank {
            patterns += try await store.consolidatedPatterns(
                sinceRound: 0, priority: level, limit: limit - patterns.count)
            if patterns.count >= limit { break }
        }
        let times = try await consolidationTimes()
        let package = SyncPull(since: 0, cursor: 0, hasMore: false, patterns: patterns, modelDeltas: [], skills: [])
        let signature = try HubSignature.sign(package, domain: SyncPull.signatureDomain, identity: identity.identity)
        let plan = viewers.map { twin -> Distribution.Viewer in
            let pending = patterns.filter { pattern in
                guard let lastSync = twin.lastSyncAt else { return true }
                return (times[pattern.id] ?? Int64.max) > lastSync
            }
            return Distribution.Viewer(
                viewerID: twin.id, pendingPatterns: pending.count, pendingPatternIDs: pending.prefix(100).map(\.id),
                lastSyncAt: twin.lastSyncAt, blocked: twin.blocked)
        }
        return Distribution(priority: priority, package: package, signature: signature, viewers: plan)
    }

    /// Where the pattern `patternID` stands: consolidated (with its votes, agreement and quality),
    /// consolidated once and since pruned, or never consolidated.
    public func consensusStatus(patternID: String) async throws -> ConsensusStatus {
        try Validation.check(patternID, maxBytes: Validation.Limit.id, nonEmpty: true, field: "patternId")
        let counts = try await store.counts(nowMs: nowMs, activeWindowMs: 24 * 3600 * 1000)
        let times = try await consolidationTimes()
        var found: ConsolidatedPattern?
        if times[patternID] != nil {
            for level in ConsolidatedPattern.Priority.allCases where found == nil {
                found = try await store.consolidatedPatterns(sinceRound: 0, priority: level, limit: 100_000).first {
                    $0.id == patternID
                }
            }
        }
        if let found {
            return ConsensusStatus(
                patternID: patternID, state: .consolidated, pattern: found, consolidatedAt: times[patternID],
                pendingPatterns: counts.patternsPending,
                explanation:
                    "consolidated in round \(found.round): \(found.voters) twins voted, agreement \(found.agreement), quality \(found.quality), priority \(found.priority.rawValue)"
            )
        }
        if let at = try await ledgerConsolidation(of: patternID) {
            return ConsensusStatus(
                patternID: patternID, state: .pruned, pattern: nil, consolidatedAt: at,
                pendingPatterns: counts.patternsPending,
                explanation:
                    "reached consensus at \(at) ms but has since been pruned (quality or age below the prune thresholds)"
            )
        }
        return ConsensusStatus(
            patternID: patternID, state: .notConsolidated, pattern: nil, consolidatedAt: nil,
            pendingPatterns: counts.patternsPending,
            explanation:
                "no round has consolidated a pattern with this id; \(counts.patternsPending) contributed patterns wait for the next round (consensus needs enough distinct twins in agreement)"
        )
    }
}
