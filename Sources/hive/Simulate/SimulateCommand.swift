import ArgumentParser
import Foundation
import HiveCore
import HiveEmbeddings
import HiveEvaluation
import HiveHub
import HiveLearning
import HiveTwin
import Logging

/// `hive simulate`: N viewer twins replay MovieLens users' real rating logs against a hub (an
/// in-process one on loopback, or `--hub URL`), with offline periods, and the report shows what
/// was learned, synced and recommended, and how good the recommendations were after each
/// federation round.
///
/// Protocol. Each simulated viewer is one MovieLens user with ≥ `--min-ratings` ratings. Its
/// latest rating is held out (leave-one-out, as in NCF); the rest are replayed as `trackRating`
/// events, spread over the rounds (the first half before round 1, the rest in equal chunks).
/// Each round every twin learns from its new events (episodes, genre patterns, local BPR
/// training → a signed model update in the outbox), and — unless it is offline this round
/// (probability `--offline`) — syncs: push, ledger checks, pull. The hub then runs one
/// aggregation round, and online twins sync again to apply the new global model. Quality: HR@10
/// and NDCG@10 of the held-out item among 99 items the user never rated, scored by the twin's
/// blended relevance, by the model signal alone, and by the blend without the model
/// (content + patterns + popularity: what the twin knows without federation).
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "N viewer twins replay MovieLens rating logs against a hub, with offline periods; prints what federation changed.")

    @Option(help: "Number of viewer twins.") var twins = 20
    @Option(help: "MovieLens directory (ML-100K u.data + u.item, or ML-1M).") var data: String
    @Option(help: "A running hub (default: an in-process hub on loopback with HiveLearning's engine).") var hub: String?
    @Option(help: "The hub's admin token (needed with --hub to trigger aggregation rounds).") var adminToken: String?
    @Option(help: "Federation rounds.") var rounds = 5
    @Option(help: "Probability a twin is offline in a round.") var offline = 0.2
    @Option(help: "Users need at least this many ratings.") var minRatings = 20
    @Option(help: "Random seed (user choice, offline periods, negatives).") var seed: UInt64 = 7
    @Option(help: "Comma-separated seeds: one full simulation per seed (fresh hub and twins), then means (overrides --seed).")
    var seeds: String?
    @Option(help: "Write the report as JSON to this path.") var json: String?

    struct RoundFigures: Codable {
        var round: Int
        var online: Int
        var accepted: Int
        var duplicates: Int
        var rejected: Int
        var modelVersion: Int64
        var updatesUsed: Int
        var patternsConsolidated: Int
        var hitRate: Double
        var ndcg: Double
        var modelOnlyHitRate: Double
        var withoutModelHitRate: Double
        /// HR@10 after this round's tracking and learning, before its syncs (the model of the previous round).
        var beforeSyncHitRate: Double
        var withoutModelNdcg: Double
        /// Mean model confidence over the twins (the model's weight is 0.6 × this).
        var meanConfidence: Double
    }

    struct Report: Codable {
        var seed: UInt64
        var twins: Int
        var rounds: [RoundFigures]
        var patternsLearned: Int
        var receiptsVerified: Int
        var ledgerTreeSize: UInt64
        var pendingAtEnd: Int
        var deadLettered: Int
        var elapsedSeconds: Double
    }

    /// Several seeds' reports and the per-round means.
    struct MultiReport: Codable {
        var runs: [Report]
        var meanHitRate: [Double]
        var meanWithoutModelHitRate: [Double]
        var meanBeforeSyncHitRate: [Double]
        var meanModelOnlyHitRate: [Double]
    }

    func run() async throws {
        guard twins >= 1, twins <= 2_000 else { throw ValidationError("--twins must be in 1…2000") }
        guard rounds >= 1, rounds <= 100 else { throw ValidationError("--rounds must be in 1…100") }
        guard offline.isFinite, (0...0.95).contains(offline) else { throw ValidationError("--offline must be in 0…0.95") }
        var seedList = [seed]
        if let seeds {
            seedList = try seeds.split(separator: ",").map { text in
                guard let value = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--seeds must be comma-separated unsigned integers, got \(text.prefix(40))")
                }
                return value
            }
            guard (1...20).contains(seedList.count) else { throw ValidationError("--seeds takes 1…20 seeds") }
        }
        let dataset = try MovieLens.load(directory: data)
        var runs: [Report] = []
        for seed in seedList {
            if seedList.count > 1 { print("== seed \(seed)") }
            runs.append(try await runOnce(dataset: dataset, seed: seed))
        }
        func mean(_ value: (RoundFigures) -> Double) -> [Double] {
            (0..<rounds).map { round in
                let values = runs.compactMap { round < $0.rounds.count ? value($0.rounds[round]) : nil }
                return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            }
        }
        let multi = MultiReport(
            runs: runs, meanHitRate: mean(\.hitRate), meanWithoutModelHitRate: mean(\.withoutModelHitRate),
            meanBeforeSyncHitRate: mean(\.beforeSyncHitRate), meanModelOnlyHitRate: mean(\.modelOnlyHitRate))
        if runs.count > 1 {
            print("mean over seeds \(seedList.map(String.init).joined(separator: ",")) (\(runs.first?.twins ?? 0) twins each):")
            print("round  HR@10 before sync  HR@10 after sync  without the federated model  model signal only  gain")
            for round in 0..<rounds {
                print(
                    String(
                        format: "%5d  %17.3f  %16.3f  %27.3f  %17.3f  %+.3f", round + 1, multi.meanBeforeSyncHitRate[round],
                        multi.meanHitRate[round], multi.meanWithoutModelHitRate[round], multi.meanModelOnlyHitRate[round],
                        multi.meanHitRate[round] - multi.meanWithoutModelHitRate[round]))
            }
        }
        if let json {
            if runs.count == 1, let only = runs.first {
                try HiveJSON.encode(only).write(to: URL(fileURLWithPath: json))
            } else {
                try HiveJSON.encode(multi).write(to: URL(fileURLWithPath: json))
            }
        }
        let dead = runs.reduce(0) { $0 + $1.deadLettered }
        guard dead == 0 else { throw HiveError(.inconsistent, "\(dead) envelopes were dead-lettered") }
    }

    func runOnce(dataset: InteractionDataset, seed: UInt64) async throws -> Report {
        let started = ContinuousClock.now
        var rng = SeededGenerator(seed: seed)
        let viewers = try Self.viewers(dataset, count: twins, minRatings: minRatings, using: &rng)
        let catalog = dataset.items.map { CatalogItem(id: $0.externalID, title: $0.title, genres: $0.genres) }
        let maxID = catalog.compactMap { Int($0.id) }.max() ?? catalog.count
        print("simulate: \(viewers.count) twins, \(dataset.name) (\(dataset.userCount) users, \(dataset.itemCount) items), \(rounds) rounds, offline p=\(offline), embedder hashing-ngram (explicit, for speed)")

        let workdir = NSTemporaryDirectory() + "hive-simulate-\(getpid())-\(seed)"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workdir) }

        if let hub {
            guard adminToken != nil else { throw ValidationError("--admin-token is needed with --hub to run aggregation rounds") }
            return try await simulate(
                hubURL: hub, core: nil, viewers: viewers, catalog: catalog, workdir: workdir, started: started, seed: seed, rng: &rng)
        }
        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.dataDirectory = workdir + "/hub"
        configuration.rateLimitPerMinute = 1_000_000
        configuration.aggregationIntervalMs = 0
        var logger = Logger(label: "simulate-hub")
        // Shutdown noise (cancelled child channels) is logged at error level; only real failures matter here.
        logger.logLevel = .critical
        let engine = try LearningAggregationEngine(configuration: try LearningEngineConfiguration(itemCount: maxID + 1, rank: 16))
        let (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: logger)
        try await server.prepare()
        let port = SyncBenchState()
        let application = try server.makeApplication(onServerRunning: { channel in port.port.withLock { $0 = channel.localAddress?.port } })
        return try await withThrowingTaskGroup(of: Report.self) { group in
            group.addTask {
                try await application.runService()
                throw CancellationError()
            }
            defer { group.cancelAll() }
            var bound: Int?
            for _ in 0..<1000 {
                bound = port.port.withLock { $0 }
                if bound != nil { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            guard let bound else { throw HiveError(.unavailable, "the hub did not start") }
            print("hub: in-process on http://127.0.0.1:\(bound), engine \(engine.name)")
            var inner = rng
            return try await simulate(
                hubURL: "http://127.0.0.1:\(bound)", core: server.core, viewers: viewers, catalog: catalog, workdir: workdir,
                started: started, seed: seed, rng: &inner)
        }
    }

    /// One MovieLens user: external id, replayed ratings (oldest first), the held-out item and 99 negatives.
    struct Viewer {
        var user: String
        var ratings: [(item: String, rating: Double)]
        var heldOut: String
        var negatives: [String]
    }

    static func viewers(_ dataset: InteractionDataset, count: Int, minRatings: Int, using rng: inout SeededGenerator) throws -> [Viewer] {
        var byUser: [Int32: [InteractionDataset.Interaction]] = [:]
        for interaction in dataset.interactions { byUser[interaction.user, default: []].append(interaction) }
        var eligible = byUser.keys.filter { (byUser[$0]?.count ?? 0) >= max(2, minRatings) }.sorted()
        guard eligible.count >= count else {
            throw HiveError(.invalidInput, "only \(eligible.count) users have ≥ \(minRatings) ratings; asked for \(count) twins")
        }
        eligible.shuffle(using: &rng)
        return eligible.prefix(count).map { user in
            let log = (byUser[user] ?? []).sorted { ($0.timestamp, $0.item) < ($1.timestamp, $1.item) }
            let held = log[log.count - 1]
            let rated = Set(log.map(\.item))
            var negatives: [String] = []
            var picked = Set<Int32>()
            while negatives.count < 99 {
                let item = Int32(Int.random(in: 0..<dataset.itemCount, using: &rng))
                guard !rated.contains(item), picked.insert(item).inserted else { continue }
                negatives.append(dataset.items[Int(item)].externalID)
            }
            return Viewer(
                user: "ml-\(dataset.userIDs[Int(user)])",
                ratings: log.dropLast().map { (dataset.items[Int($0.item)].externalID, Double($0.rating)) },
                heldOut: dataset.items[Int(held.item)].externalID, negatives: negatives)
        }
    }

    func simulate(
        hubURL: String, core: OmegaCore?, viewers: [Viewer], catalog: [CatalogItem], workdir: String, started: ContinuousClock.Instant,
        seed: UInt64, rng: inout SeededGenerator
    ) async throws -> Report {
        let embedder = try HashingEmbedder(dimensions: 128)
        var agents: [ViewerAgent] = []
        for (index, viewer) in viewers.enumerated() {
            let agent = try ViewerAgent.initialize(
                directory: "\(workdir)/twin-\(index)",
                configuration: ViewerConfiguration(viewerID: viewer.user, hubEndpoint: hubURL, embedder: embedder))
            _ = try await agent.pinHub()
            try await agent.importCatalog(catalog)
            agents.append(agent)
            Self.progress("twins ready", index + 1, viewers.count)
        }
        // Replay schedule: half of each log before round 1, the rest spread over the rounds.
        func chunk(_ viewer: Viewer, round: Int) -> ArraySlice<(item: String, rating: Double)> {
            let half = viewer.ratings.count / 2
            if round == 1 { return viewer.ratings[0..<half] }
            let rest = viewer.ratings.count - half
            let lower = half + rest * (round - 2) / max(1, rounds - 1)
            let upper = half + rest * (round - 1) / max(1, rounds - 1)
            return viewer.ratings[min(lower, viewer.ratings.count)..<min(upper, viewer.ratings.count)]
        }
        var figures: [RoundFigures] = []
        var patternsLearned = 0
        var receipts = 0
        let baseline = try await evaluate(agents, viewers)
        print(String(format: "round 0 (nothing tracked): HR@10 %.3f  NDCG@10 %.3f", baseline.hit, baseline.ndcg))
        print(
            "round  online  accepted  dup  rejected  model  updates  patterns  before-sync  HR@10  NDCG@10  model-only  without-model  confidence")
        for round in 1...rounds {
            var row = RoundFigures(
                round: round, online: 0, accepted: 0, duplicates: 0, rejected: 0, modelVersion: 0, updatesUsed: 0, patternsConsolidated: 0,
                hitRate: 0, ndcg: 0, modelOnlyHitRate: 0, withoutModelHitRate: 0, beforeSyncHitRate: 0, withoutModelNdcg: 0,
                meanConfidence: 0)
            for (agent, viewer) in zip(agents, viewers) {
                for (item, rating) in chunk(viewer, round: round) { try await agent.trackRating(mediaId: item, rating: rating) }
                patternsLearned += try await agent.learnFromSession().count
            }
            row.beforeSyncHitRate = try await evaluate(agents, viewers).hit
            var online: [Bool] = []
            for (index, agent) in agents.enumerated() {
                // The last round everyone is online, so the final figures cover every twin.
                let isOnline = round == rounds || Double.random(in: 0..<1, using: &rng) >= offline
                online.append(isOnline)
                if isOnline {
                    let report = try await agent.syncWithCore()
                    row.accepted += report.accepted
                    row.duplicates += report.duplicates
                    row.rejected += report.rejected
                    receipts += report.receiptsVerified
                }
                Self.progress("round \(round): learn + push", index + 1, agents.count)
            }
            row.online = online.filter { $0 }.count
            let record = try await aggregate(hubURL: hubURL, core: core)
            row.modelVersion = record.modelVersion
            row.updatesUsed = record.updatesUsed
            row.patternsConsolidated = record.patternsConsolidated
            for (index, agent) in agents.enumerated() where online[index] {
                let report = try await agent.syncWithCore()
                row.accepted += report.accepted
                receipts += report.receiptsVerified
                Self.progress("round \(round): pull", index + 1, agents.count)
            }
            let quality = try await evaluate(agents, viewers)
            row.hitRate = quality.hit
            row.ndcg = quality.ndcg
            row.modelOnlyHitRate = quality.modelOnly
            row.withoutModelHitRate = quality.withoutModel
            row.withoutModelNdcg = quality.withoutModelNdcg
            row.meanConfidence = quality.confidence
            figures.append(row)
            print(
                String(
                    format: "%5d  %6d  %8d  %3d  %8d  %5lld  %7d  %8d  %11.3f  %.3f  %7.3f  %10.3f  %13.3f  %10.2f", round, row.online,
                    row.accepted, row.duplicates, row.rejected, row.modelVersion, row.updatesUsed, row.patternsConsolidated,
                    row.beforeSyncHitRate, row.hitRate, row.ndcg, row.modelOnlyHitRate, row.withoutModelHitRate, row.meanConfidence))
        }
        var pending = 0
        var dead = 0
        var treeSize: UInt64 = 0
        for agent in agents {
            let stats = try await agent.stats()
            pending += stats.outboxPending
            dead += stats.outboxDeadLettered
            treeSize = max(treeSize, stats.ledgerTreeSize ?? 0)
            if let alarm = stats.ledgerAlarm { throw HiveError(.inconsistent, "twin \(stats.twinID): ledger alarm \(alarm)") }
            try await agent.shutdown()
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let report = Report(
            seed: seed, twins: agents.count, rounds: figures, patternsLearned: patternsLearned, receiptsVerified: receipts, ledgerTreeSize: treeSize,
            pendingAtEnd: pending, deadLettered: dead, elapsedSeconds: seconds)
        if let first = figures.first, let last = figures.last {
            print(
                String(
                    format: "learned %d patterns; %d receipts verified; ledger %llu entries; outbox pending %d, dead-lettered %d; %.1f s",
                    patternsLearned, receipts, treeSize, pending, dead, seconds))
            print(
                String(
                    format: "HR@10 round 1 → %d: %.3f → %.3f (model signal alone %.3f → %.3f; without the federated model %.3f → %.3f)",
                    last.round, first.hitRate, last.hitRate, first.modelOnlyHitRate, last.modelOnlyHitRate, first.withoutModelHitRate,
                    last.withoutModelHitRate))
        }
        return report
    }

    /// Runs one aggregation round: in-process, or `POST /api/v1/aggregate` with the admin token.
    func aggregate(hubURL: String, core: OmegaCore?) async throws -> RoundRecord {
        if let core { return try await core.aggregate() }
        let transport = try HTTPSyncTransport(baseURL: hubURL)
        let response = try await transport.send(SyncHTTPRequest(method: "POST", path: "/api/v1/aggregate", bearer: adminToken))
        guard response.status == 200 else {
            throw HiveError(.unavailable, "POST /api/v1/aggregate answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        return try HiveJSON.decode(RoundRecord.self, from: response.body)
    }

    /// Mean HR@10 / NDCG@10 of the held-out items by the twin's blended relevance, HR@10 by the model
    /// signal alone, HR@10 / NDCG@10 by the same twin without the federated model (confidence 0), and
    /// the mean model confidence.
    func evaluate(_ agents: [ViewerAgent], _ viewers: [Viewer]) async throws -> (
        hit: Double, ndcg: Double, modelOnly: Double, withoutModel: Double, withoutModelNdcg: Double, confidence: Double
    ) {
        var hit = 0.0, ndcg = 0.0, modelOnly = 0.0, withoutModel = 0.0, withoutModelNdcg = 0.0, confidence = 0.0
        for (agent, viewer) in zip(agents, viewers) {
            let relevance = try await agent.relevanceWithAndWithoutModel(of: [viewer.heldOut] + viewer.negatives)
            let scores = relevance.with
            func rank(_ value: (Recommendation) -> Double) -> Double {
                guard let positive = scores[viewer.heldOut] else { return .infinity }
                return RankingMetrics.rank(
                    positive: Float(value(positive)), negatives: viewer.negatives.compactMap { scores[$0] }.map { Float(value($0)) })
            }
            let blended = rank(\.score)
            hit += RankingMetrics.hit(rank: blended, k: 10)
            ndcg += RankingMetrics.ndcg(rank: blended, k: 10)
            modelOnly += RankingMetrics.hit(rank: rank { $0.components["model"] ?? 0 }, k: 10)
            let alone =
                relevance.without[viewer.heldOut].map { positive in
                    RankingMetrics.rank(
                        positive: Float(positive), negatives: viewer.negatives.compactMap { relevance.without[$0] }.map { Float($0) })
                } ?? .infinity
            withoutModel += RankingMetrics.hit(rank: alone, k: 10)
            withoutModelNdcg += RankingMetrics.ndcg(rank: alone, k: 10)
            confidence += relevance.confidence
        }
        let n = Double(max(1, agents.count))
        return (hit / n, ndcg / n, modelOnly / n, withoutModel / n, withoutModelNdcg / n, confidence / n)
    }

    static func progress(_ label: String, _ done: Int, _ total: Int) {
        // A bar redrawn in place only makes sense on a terminal.
        guard isatty(STDOUT_FILENO) == 1, total > 0, done == total || done % max(1, total / 20) == 0 else { return }
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        print("  [\(bar)] \(done)/\(total) \(label)", terminator: done == total ? "\u{1B}[2K\r" : "\r")
    }
}
