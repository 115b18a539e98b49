import AsyncHTTPClient
import Crypto
import Foundation
import HiveCore
import HiveEvaluation
import HiveHub
import HiveLearning
import HiveTwin
import Logging
import Synchronization

/// `hive bench recsys --transport http`: one federated system run through a real hub on
/// loopback, the way `hive serve` runs it — a fresh data directory, SQLite, the hub's own keys,
/// the HiveLearning engine configured with the system's rule (BPR row deltas or the ALS round
/// kind) — and one registered twin per user, each with its own Ed25519 key and access token.
///
/// Every round each twin trains on its own data against the model it last pulled (the same
/// trainer, seeds and split as ``FederatedSimulation``), signs its update in a `SignedEnvelope`
/// and pushes it with `POST /api/v1/updates/one`; the admin triggers `POST /api/v1/aggregate`
/// (the hub fuses through its engine, signs and ledgers the round); every twin then pulls
/// `GET /api/v1/model?sinceVersion=…` and checks the hub's signature before applying the rows.
/// The hub's first round publishes the seeded initial model (the one the in-process run starts
/// from), so both runs start from identical factors.
///
/// Twins in this process that receive byte-identical pull pages on the same base version verify
/// and decode the page once (identical bytes verify identically; each twin still makes its own
/// request). Twin-side compute (ALS user solves, BPR epochs) runs `width` twins at a time.
struct RecsysHTTPFederation: Sendable {
    struct Outcome: Sendable {
        var model: ItemFactorModel
        var users: [[Float]?]
        /// Honest users' sampled HR@10 / NDCG@10 after each round.
        var curve: [EvaluationResult]
        /// Wall seconds per round: first push to last pull.
        var roundSeconds: [Double]
        /// Process CPU seconds over the whole run (hub and twins share the process).
        var cpuSeconds: Double
        var updatesAccepted: Int
        /// Rounds whose record said every twin's update counted and the version advanced by one.
        var roundsChecked: Int
        var engineName: String
    }

    let split: LeaveOneOutSplit
    let workdir: String
    /// Twins in flight at once.
    var width = 32

    /// The hub engine that runs `config`'s aggregation: same rule, combination, reputation,
    /// agreement, norm basis and per-row bound; ALS round kind when `config.als` is set; seeded initial model.
    static func engineConfiguration(_ config: FederatedSimulation.Configuration, itemCount: Int) throws
        -> LearningEngineConfiguration
    {
        try LearningEngineConfiguration(
            itemCount: itemCount, rank: config.rank, rule: config.rule, combination: config.combination,
            scoresAgreement: config.scoresAgreement, maxStaleness: 0, learningRate: config.serverLearningRate,
            reputation: config.reputation, als: config.als, initialSeed: config.seed &+ 1,
            agreementReference: config.agreementReference, rowNormMultiple: config.rowNormMultiple,
            reputationWeights: config.reputationWeights, normBasis: config.normBasis,
            linearStatisticsAgreement: config.linearStatisticsAgreement)
    }

    /// Runs `config` (clean: no attack, no label flip, no server momentum) through a hub.
    func run(_ config: FederatedSimulation.Configuration, label: String, onRound: @Sendable (Int) -> Void) async throws -> Outcome {
        guard config.attack == nil, !config.labelFlip, config.attackerFraction == 0 else {
            throw HiveError(.invalidInput, "--transport http runs clean systems only (no attacks)")
        }
        guard config.serverMomentum == 0 else {
            throw HiveError(.invalidInput, "--transport http: the hub applies no server momentum; use --server-momentum 0")
        }
        let cpuBefore = Self.cpuSeconds()
        let engineConfiguration = try Self.engineConfiguration(config, itemCount: split.itemCount)
        let engine = try LearningAggregationEngine(configuration: engineConfiguration)
        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.dataDirectory = "\(workdir)/hub-\(label)"
        configuration.rateLimitPerMinute = 100_000_000
        configuration.aggregationIntervalMs = 0
        configuration.maxBodyBytes = 4 << 20
        configuration.modelItems = split.itemCount
        configuration.modelRank = config.rank
        let admin = Hex.encode((0..<24).map { _ in UInt8.random(in: 0...255) })
        configuration.adminToken = admin
        var logger = Logger(label: "bench-recsys-hub")
        // Critical only: cancelling the server at the end logs a harmless "already closed" error.
        logger.logLevel = .critical
        let (server, _) = try HubServer.make(configuration: configuration, engine: engine, logger: logger)
        try await server.prepare()
        let port = Mutex<Int?>(nil)
        let application = try server.makeApplication(onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } })
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = width + 4
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let split = self.split, width = self.width
        let result: Result<Outcome, any Error>
        do {
            result = .success(try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            defer { group.cancelAll() }
            var bound: Int?
            for _ in 0..<1000 {
                bound = port.withLock { $0 }
                if bound != nil { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            guard let bound else { throw HiveError(.unavailable, "the bench hub did not start") }
            let hub = try BenchHubClient(
                transport: HTTPSyncTransport(baseURL: "http://127.0.0.1:\(bound)", client: http, timeout: .seconds(120)), admin: admin)
            var outcome = try await Self.federate(
                config, split: split, hub: hub, engineName: engine.name, width: width, onRound: onRound)
            outcome.cpuSeconds = Self.cpuSeconds() - cpuBefore
            return outcome
        })
        } catch {
            result = .failure(error)
        }
        try await http.shutdown()
        return try result.get()
    }

    /// The rounds themselves, against a running hub.
    private static func federate(
        _ config: FederatedSimulation.Configuration, split: LeaveOneOutSplit, hub: BenchHubClient, engineName: String,
        width: Int, onRound: @Sendable (Int) -> Void
    ) async throws -> Outcome {
        let hubKey = try await hub.hubKey()
        let users = split.tests.map(\.user)
        let interactions = Dictionary(
            uniqueKeysWithValues: users.map { user in (user, split.train[Int(user)].map { Interaction(item: Int($0), weight: 1) }) })
        var twins = try await concurrentMap(users, width: width) { user in
            try await BenchTwin.register(user: user, hub: hub)
        }
        var registeredAt = ContinuousClock.now
        // Round 0: the hub publishes its seeded initial model; every twin pulls it.
        let initial = try await hub.aggregate()
        guard initial.modelVersion == 1, initial.updatesUsed == 0 else {
            throw HiveError(.inconsistent, "the hub's first round published version \(initial.modelVersion), used \(initial.updatesUsed) updates")
        }
        let pages = PageCache()
        let empty = try ItemFactorModel(
            version: 0, itemCount: split.itemCount, rank: config.rank,
            factors: [Float](repeating: 0, count: split.itemCount * config.rank), biases: [Float](repeating: 0, count: split.itemCount))
        var models = try await concurrentMap(twins, width: width) { twin in
            try await hub.pull(twin: twin, base: empty, hubKey: hubKey, pages: pages)
        }
        var vectors = [[Float]?](repeating: nil, count: split.userCount)
        var curve: [EvaluationResult] = [], roundSeconds: [Double] = []
        var accepted = 0, checked = 0
        let trainer = LocalTrainer(configuration: config.trainer)
        let als = config.als.map { WALSTrainer(configuration: $0) }
        for round in 0..<config.rounds {
            // Access tokens live 15 minutes: re-register (same keys, same twin ids) well before.
            if ContinuousClock.now - registeredAt > .seconds(600) {
                twins = try await concurrentMap(twins, width: width) { try await BenchTwin.register(user: $0.user, identity: $0.identity, hub: hub) }
                registeredAt = ContinuousClock.now
            }
            let started = ContinuousClock.now
            let grams = GramCache()
            let previous = vectors
            let pushed = try await concurrentMap(Array(zip(twins, models)), width: width) { twin, model in
                let own = interactions[twin.user] ?? []
                let payload: any Encodable & Sendable
                let vector: [Float]
                if let als {
                    vector = try als.solveUser(model: model, gram: grams.gram(of: model), interactions: own)
                    payload = try WALSContribution(
                        model: model, user: vector, interactions: own, configuration: als.configuration, twinID: twin.twinID)
                } else {
                    var rng = FederatedSimulation.twinGenerator(seed: config.seed, round: round, twin: twin.user)
                    let outcome = try trainer.train(
                        model: model, user: previous[Int(twin.user)], interactions: own, twinID: twin.twinID, using: &rng)
                    vector = outcome.user
                    payload = outcome.update
                }
                try await hub.push(payload, twin: twin)
                return (twin.user, vector)
            }
            for (user, vector) in pushed { vectors[Int(user)] = vector }
            accepted += pushed.count
            let record = try await hub.aggregate()
            let counted = record.updatesUsed - record.updatesRejected
            let expectedVersion = Int64(round) + 2
            if counted == twins.count, record.modelVersion == expectedVersion { checked += 1 } else {
                throw HiveError(
                    .inconsistent,
                    "round \(round + 1): the hub counted \(counted) of \(twins.count) updates and published version \(record.modelVersion) (expected \(expectedVersion))")
            }
            models = try await concurrentMap(Array(zip(twins, models)), width: width) { twin, model in
                try await hub.pull(twin: twin, base: model, hubKey: hubKey, pages: pages)
            }
            roundSeconds.append((ContinuousClock.now - started).wallSeconds)
            guard let model = models.first, models.allSatisfy({ $0.version == model.version && $0.factors == model.factors }) else {
                throw HiveError(.inconsistent, "round \(round + 1): twins pulled different models")
            }
            curve.append(RecommenderEvaluation.evaluate(FactorModelScorer(model: model, users: vectors), on: split, fullRanking: false))
            onRound(round + 1)
        }
        guard let model = models.first else { throw HiveError(.inconsistent, "no twins") }
        return Outcome(
            model: model, users: vectors, curve: curve, roundSeconds: roundSeconds, cpuSeconds: 0, updatesAccepted: accepted,
            roundsChecked: checked, engineName: engineName)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// One registered twin of the HTTP run.
struct BenchTwin: Sendable {
    var user: Int32
    var identity: NodeIdentity
    var twinID: String
    var token: String
    let clock: HybridLogicalClock

    /// Real registration: a fresh challenge, signed with the twin's key.
    static func register(user: Int32, identity: NodeIdentity = .generate(), hub: BenchHubClient) async throws -> BenchTwin {
        let response = try await hub.register(userID: "u\(user)", identity: identity)
        return BenchTwin(
            user: user, identity: identity, twinID: response.twinID, token: response.accessToken,
            clock: HybridLogicalClock(nodeID: identity.nodeID))
    }
}

/// The twins' side of the wire: the hub's routes over ``HTTPSyncTransport``.
struct BenchHubClient: Sendable {
    let transport: HTTPSyncTransport
    let admin: String

    func hubKey() async throws -> [UInt8] {
        let hex = try await SyncClient.fetchHubKey(transport: transport)
        guard let key = Hex.decode(hex), key.count == 32 else { throw HiveError(.inconsistent, "the hub's key is not 32 bytes of hex") }
        return key
    }

    func register(userID: String, identity: NodeIdentity) async throws -> Registration.Response {
        struct Challenge: Decodable { var challenge: String }
        let challenge = try HiveJSON.decode(
            Challenge.self, from: try await send("POST", "/api/v1/twins/challenge", body: Array("{}".utf8), expect: 201))
        let request = try Registration.Request.signed(identity: identity, userID: userID, challenge: challenge.challenge)
        return try HiveJSON.decode(
            Registration.Response.self,
            from: try await send("POST", "/api/v1/twins", body: [UInt8](try HiveJSON.encode(request)), expect: 201, 200))
    }

    /// Signs `payload` as the twin's model update and pushes it; throws with the hub's problem when refused.
    func push(_ payload: some Encodable, twin: BenchTwin) async throws {
        let envelope = try SignedEnvelope.sign(payload, kind: .modelUpdate, stamp: twin.clock.now(), identity: twin.identity)
        _ = try await send("POST", "/api/v1/updates/one", body: [UInt8](try HiveJSON.encode(envelope)), bearer: twin.token, expect: 201)
    }

    func aggregate() async throws -> RoundRecord {
        try HiveJSON.decode(RoundRecord.self, from: try await send("POST", "/api/v1/aggregate", bearer: admin))
    }

    /// `GET /model` since `base`'s version: the page's hub signature is checked with the pinned
    /// key, then its rows are applied to `base`.
    func pull(twin: BenchTwin, base: ItemFactorModel, hubKey: [UInt8], pages: PageCache) async throws -> ItemFactorModel {
        let body = try await send("GET", "/api/v1/model?sinceVersion=\(base.version)", bearer: twin.token)
        return try pages.model(for: body, base: base) {
            struct Page: Decodable {
                var delta: ModelRowsDelta?
                var version: Int64
                var signature: HubSignature?
            }
            let page = try HiveJSON.decode(Page.self, from: body)
            guard let delta = page.delta else { return base }
            guard let signature = page.signature else { throw HiveError(.badSignature, "the model page is not signed") }
            try signature.verify(delta, domain: "hive.model.v1", hubPublicKey: hubKey)
            var factors = base.factors, biases = base.biases
            let rank = base.rank
            guard delta.dimension == rank + 1 else {
                throw HiveError(.dimensionMismatch, "the hub's rows have dimension \(delta.dimension); rank \(rank) needs \(rank + 1)")
            }
            for row in delta.rows {
                guard let item = Int(row.item), (0..<base.itemCount).contains(item) else {
                    throw HiveError(.invalidInput, "the hub sent a row for item \(row.item.prefix(32))")
                }
                for k in 0..<rank { factors[item * rank + k] = row.vector[k] }
                biases[item] = row.vector[rank]
            }
            return try ItemFactorModel(
                version: UInt64(delta.version), itemCount: base.itemCount, rank: rank, factors: factors, biases: biases)
        }
    }

    private func send(_ method: String, _ path: String, body: [UInt8]? = nil, bearer: String? = nil, expect: Int...) async throws
        -> [UInt8]
    {
        let response = try await transport.send(SyncHTTPRequest(method: method, path: path, body: body, bearer: bearer))
        let accepted = expect.isEmpty ? [200] : expect
        guard accepted.contains(response.status) else {
            throw HiveError(
                .unavailable, "\(method) \(path.prefix(64)) answered \(response.status): \(String(decoding: response.body.prefix(400), as: UTF8.self))")
        }
        return response.body
    }
}

/// Pull pages already verified and applied, by (base version, SHA-256 of the body).
final class PageCache: Sendable {
    private let models = Mutex<[String: ItemFactorModel]>([:])

    func model(for body: [UInt8], base: ItemFactorModel, make: () throws -> ItemFactorModel) throws -> ItemFactorModel {
        let key = "\(base.version):" + SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        if let known = models.withLock({ $0[key] }) { return known }
        let made = try make()
        models.withLock { $0[key] = made }
        return made
    }
}

/// `Yᵀ·Y` per model version: each twin would compute the same one from the same pulled model.
final class GramCache: Sendable {
    private let grams = Mutex<[UInt64: [Double]]>([:])

    func gram(of model: ItemFactorModel) -> [Double] {
        if let known = grams.withLock({ $0[model.version] }) { return known }
        let made = WALSTrainer.gram(of: model)
        grams.withLock { $0[model.version] = made }
        return made
    }
}

/// `transform` over `items` with at most `width` in flight; results in input order.
func concurrentMap<T: Sendable, R: Sendable>(
    _ items: [T], width: Int, _ transform: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        while next < min(width, items.count) {
            let index = next, item = items[index]
            group.addTask { (index, try await transform(item)) }
            next += 1
        }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < items.count {
                let index = next, item = items[index]
                group.addTask { (index, try await transform(item)) }
                next += 1
            }
        }
        return try results.map { try $0 ?? { throw HiveError(.inconsistent, "a task returned nothing") }() }
    }
}

extension Duration {
    var wallSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
