import Foundation
import HiveCore
import HiveLedger
import Hummingbird
import NIOCore

extension HubAPI {
    /// How many twins and patterns the graph view shows at most (each).
    static let dashboardGraphLimit = 24
    /// How many of the newest ledger entries the summary lists.
    static let dashboardLedgerEntries: UInt64 = 12
    /// Upper bound on twins scanned for the reputation bands (pages of 500).
    static let dashboardTwinScanLimit = 20_000

    /// `/dashboard` (the page and its assets; they hold no data) and the data the page reads.
    func addDashboardRoutes(to router: Router<HubRequestContext>) {
        let assets = DashboardAssets.shared
        @Sendable func serve(_ name: String) throws -> Response {
            guard let asset = assets.asset(name) else { throw Problem(.notFound, "no dashboard file \(name.prefix(64))") }
            return Response(
                status: .ok,
                headers: [
                    .contentType: asset.contentType, .cacheControl: "no-cache",
                    // Same-origin only: no external scripts, styles, images or connections.
                    .init("Content-Security-Policy")!:
                        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
                    .init("Referrer-Policy")!: "no-referrer",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        }
        router.get("dashboard") { _, context in
            try throttleAnonymous(context)
            return try serve("index.html")
        }
        router.get("dashboard/{asset}") { _, context in
            try throttleAnonymous(context)
            return try serve(try context.parameters.require("asset"))
        }
        router.get("api/v1/dashboard/summary") { request, context in
            let mode = core.configuration.dashboard
            switch mode {
            case .token: try requireAdmin(request, context)
            case .public:
                // An admin caller still gets the full view; anyone else the aggregate one.
                if let token = bearer(request), core.identity.adminToken.matches(token) {
                    try throttle("admin")
                    return try json(try await dashboardSummary(redacted: false))
                }
                try throttleAnonymous(context)
            }
            return try json(try await dashboardSummary(redacted: mode == .public))
        }
    }

    /// Builds the summary from storage and this process's signals.
    func dashboardSummary(redacted: Bool) async throws -> DashboardSummary {
        let now = core.nowMs
        let counts = try await core.store.counts(nowMs: now, activeWindowMs: Self.activeWindowMs)
        let process = core.metrics.snapshot
        let signals = core.metrics.dashboard
        signals.observe(nowMs: now, syncs: process.syncs, round: counts.lastRound)

        // Twins: reputation bands, excluded ones, and the top N for the graph.
        var twins: [TwinRecord] = []
        var cursor: String?
        while twins.count < Self.dashboardTwinScanLimit {
            let page = try await core.store.twins(after: cursor, limit: 500)
            twins += page
            guard page.count == 500, let last = page.last else { break }
            cursor = last.id
        }
        let threshold = core.configuration.trustThreshold
        let excluded = twins.filter { $0.blocked || $0.reputation < threshold }.map(\.id)

        // Patterns: heatmap over the latest consolidated ones (bounded), latest with votes.
        let consolidated = try await core.store.consolidatedPatterns(sinceRound: 0, priority: nil, limit: 1000)
        var cells: [String: (count: Int, quality: Double)] = [:]
        for item in consolidated {
            let band = Self.band(item.pattern.successRate)
            let key = "\(item.pattern.taskType.rawValue)|\(band)"
            cells[key, default: (0, 0)].count += 1
            cells[key, default: (0, 0)].quality += item.quality
        }
        let heatmap = cells.keys.sorted().compactMap { key -> DashboardSummary.HeatCell? in
            let parts = key.split(separator: "|")
            guard parts.count == 2, let band = Int(parts[1]), let cell = cells[key] else { return nil }
            return .init(taskType: String(parts[0]), band: band, count: cell.count, meanQuality: cell.quality / Double(cell.count))
        }
        let newest = consolidated.sorted { ($0.round, $0.quality) > ($1.round, $1.quality) }
        let latestPatterns = newest.prefix(8).map {
            DashboardSummary.LatestPattern(
                id: redacted ? nil : $0.id, contributors: redacted ? nil : $0.contributors, taskType: $0.pattern.taskType.rawValue, approach: $0.pattern.approach,
                voters: $0.voters, agreement: $0.agreement, quality: $0.quality, round: $0.round)
        }

        // Model versions from the publication feed (newest 50).
        let modelEvents = try await core.store.feed(after: 0, kinds: [.modelPublished], twinID: nil, limit: 10_000)
        let versions = modelEvents.suffix(50).compactMap { event in
            Int64(event.ref).map { DashboardSummary.ModelVersion(version: $0, publishedAt: event.createdAt) }
        }

        let skills = try await core.store.skills(limit: 8)
        let learningEngine = core.engine as? LearningAggregationEngine
        let instances = try await core.store.instances()

        return DashboardSummary(
            mode: redacted ? .public : core.configuration.dashboard == .public ? .public : .token,
            generatedAt: now,
            twins: .init(
                registered: counts.twinsTotal, active: counts.twinsActive, blocked: counts.twinsBlocked,
                reputationBands: Self.bands(twins.map(\.reputation)), syncSamples: signals.samples),
            learning: .init(
                modelVersion: counts.modelVersion, versions: versions,
                rule: learningEngine?.configuration.rule.text ?? core.engine?.name,
                model: learningEngine.map { .init(items: $0.configuration.itemCount, rank: $0.configuration.rank) },
                rounds: counts.rounds,
                recentRounds: signals.rounds.map {
                    .init(
                        round: $0.round, startedAt: $0.startedAt, durationMs: $0.durationMs, updatesUsed: $0.updatesUsed,
                        updatesAccepted: max(0, $0.updatesUsed - $0.updatesRejected), updatesRejected: $0.updatesRejected,
                        patternsConsidered: $0.patternsConsidered, patternsConsolidated: $0.patternsConsolidated,
                        modelVersion: $0.modelVersion)
                },
                envelopesAccepted: counts.envelopesAccepted, envelopesRejected: counts.envelopesRejected,
                updatesReceived: counts.modelUpdatesReceived, updatesPending: counts.modelUpdatesPending,
                excludedCount: excluded.count, excludedTwins: redacted ? nil : Array(excluded.prefix(100)),
                trustThreshold: threshold),
            patterns: .init(
                received: counts.patternsReceived, pending: counts.patternsPending, consolidated: counts.patternsConsolidated,
                consensusRate: counts.roundPatternsConsidered > 0
                    ? Double(counts.roundPatternsConsolidated) / Double(counts.roundPatternsConsidered) : nil,
                heatmap: heatmap, latest: Array(latestPatterns)),
            skills: .init(
                total: counts.skills,
                latest: skills.map {
                    .init(
                        traceID: redacted ? nil : $0.traceID, twinID: redacted ? nil : $0.twinID, intent: $0.intent,
                        confidence: $0.trace.confidence, verificationScore: $0.trace.verificationScore, createdAt: $0.createdAt)
                },
                instanceBands: Self.bands(instances.map(\.reputation))),
            network: {
                let percentiles = signals.latencyPercentiles
                return .init(
                    syncs: process.syncs, syncFailures: process.syncFailures, latencySamples: percentiles?.count ?? 0,
                    p50Ms: percentiles?.p50, p95Ms: percentiles?.p95, p99Ms: percentiles?.p99,
                    errorsByKind: signals.problems, bytesIn: process.bytesIn, bytesOut: process.bytesOut)
            }(),
            ledger: try await dashboardLedger(redacted: redacted),
            graph: Self.graph(twins: twins, patterns: newest, redacted: redacted))
    }

    /// The latest signed tree head (signing one if the log grew since) and the newest entries.
    /// Public mode keeps only what identifies no twin: kind, leaf hash, time, round and model version.
    func dashboardLedger(redacted: Bool) async throws -> DashboardSummary.Ledger {
        let head = try await currentTreeHead()
        let size = head.treeSize
        let first = size > Self.dashboardLedgerEntries ? size - Self.dashboardLedgerEntries : 0
        let data = size > first ? try await core.store.ledger.entries(in: first..<size) : []
        var recent: [DashboardSummary.LedgerEntry] = []
        for (offset, bytes) in data.enumerated().reversed() {
            let decoded = try? HubLedgerEntry.decode(bytes)
            let kind = decoded?.kind
            recent.append(
                .init(
                    index: first + UInt64(offset), kind: kind?.rawValue ?? "unknown",
                    leafHash: Merkle.leafHash(bytes).hex, at: decoded?.at,
                    ref: redacted && kind != .round ? nil : decoded?.ref,
                    twin: redacted ? nil : decoded?.twin, modelVersion: decoded?.modelVersion))
        }
        return .init(
            treeSize: size, rootHash: head.rootHash.hex, signedAt: head.timestampMs,
            signature: Hex.encode(head.signature), recent: recent)
    }

    /// Index of the fifth of [0, 1] that `value` falls in (1.0 goes to the top band).
    static func band(_ value: Double) -> Int {
        guard value.isFinite else { return 0 }
        return min(max(Int(value * 5), 0), 4)
    }

    static func bands(_ values: [Double]) -> [DashboardSummary.Band] {
        var counts = [Int64](repeating: 0, count: 5)
        for value in values { counts[band(value)] += 1 }
        return counts.enumerated().map { .init(from: Double($0.offset) / 5, to: Double($0.offset + 1) / 5, count: $0.element) }
    }

    /// The top patterns by quality and the twins that contributed to them (their provenance,
    /// ``ConsolidatedPattern/contributors``), most-linked and most reputable first, topped up with
    /// the most reputable other twins; each side bounded by ``dashboardGraphLimit``. An edge links
    /// a twin to a pattern it voted for. Public mode replaces ids with ordinal labels.
    static func graph(twins: [TwinRecord], patterns: [ConsolidatedPattern], redacted: Bool) -> DashboardSummary.Graph {
        let limit = dashboardGraphLimit
        let topPatterns = Array(patterns.sorted { ($0.quality, $0.id) > ($1.quality, $1.id) }.prefix(limit))
        var links: [String: Int] = [:]
        for pattern in topPatterns {
            for twin in Set(pattern.contributors) { links[twin, default: 0] += 1 }
        }
        let eligible = twins.filter { !$0.blocked }
        let ranked = eligible.sorted {
            let (a, b) = (links[$0.id] ?? 0, links[$1.id] ?? 0)
            if a != b { return a > b }
            if $0.reputation != $1.reputation { return $0.reputation > $1.reputation }
            return $0.id < $1.id
        }
        let topTwins = ranked.prefix(limit)
        var label: [String: String] = [:]
        for (index, twin) in topTwins.enumerated() { label[twin.id] = redacted ? "twin \(index + 1)" : twin.id }
        var patternLabel: [String: String] = [:]
        for (index, pattern) in topPatterns.enumerated() { patternLabel[pattern.id] = redacted ? "pattern \(index + 1)" : pattern.id }
        var nodes = topTwins.map { DashboardSummary.Node(id: label[$0.id] ?? $0.id, kind: .twin, weight: $0.reputation) }
        nodes += topPatterns.map { DashboardSummary.Node(id: patternLabel[$0.id] ?? $0.id, kind: .pattern, weight: $0.quality) }
        var edges: [DashboardSummary.Edge] = []
        for pattern in topPatterns {
            guard let target = patternLabel[pattern.id] else { continue }
            for source in Set(pattern.contributors).sorted() {
                if let twin = label[source] { edges.append(.init(source: twin, target: target)) }
            }
        }
        return .init(nodes: nodes, edges: edges, limit: limit)
    }
}
