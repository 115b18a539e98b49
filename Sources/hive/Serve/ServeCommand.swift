import ArgumentParser
import Foundation
import HiveCore
import HiveHub
import HiveMCP
import Logging
import Metrics
import Prometheus

/// `hive serve`: the hub (Omega Core). In an empty directory it starts on SQLite under ./.hive.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the hub: twin registration, sync, aggregation rounds, skill exchange, events.")

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port (default 8433).")
    var port: Int?

    @Option(help: "Data directory for the hub key, admin token and SQLite database (default ./.hive).")
    var data: String?

    @Option(help: "PostgreSQL URL (postgres://user@host:port/db); SQLite under --data when absent.")
    var database: String?

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve TLS 1.3 with HTTP/2.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(help: "JSON configuration file; flags override it.")
    var config: String?

    @Option(help: "Dashboard data access: token (admin token, default) or public (aggregate figures only, no ids or keys).")
    var dashboard: DashboardAccess?

    @Option(
        name: .customLong("aggregation-rule"),
        help: "Robust rule for model updates: weighted-mean, median, trimmed-mean(β), krum(f), multi-krum(f), centered-clipping(radius|median,iterations), norm-bounding(maxNorm) or median-norm-bounding(multiple) (default median-norm-bounding(1.0)).")
    var aggregationRule: String?

    @Option(name: .customLong("row-combination"), help: "How a model row's senders combine: sum (default) or mean.")
    var rowCombination: String?

    @Option(
        name: .customLong("agreement-reputation"),
        help: "Whether reputation also scores agreement with the fused update: true (default) or false.")
    var agreementReputation: Bool?

    @Option(name: .customLong("reputation-retention"), help: "Reputation EMA retention in [0, 1) (default 0.5).")
    var reputationRetention: Double?

    @Option(name: .customLong("model-items"), help: "Items in the global model, 1…50000 with items × (rank + 1) ≤ 4194304 (default 10000).")
    var modelItems: Int?

    @Option(name: .customLong("model-rank"), help: "Factor rank of the global model (default 16).")
    var modelRank: Int?

    @Option(
        name: .customLong("model-kind"),
        help: "Model round kind: bpr (row deltas, default) or als (federated weighted ALS: factored statistics, exact item solves; rank ≤ 43).")
    var modelKind: String?

    @Option(name: .customLong("als-regularization"), help: "ALS λ (with --model-kind als; default 5).")
    var alsRegularization: Double?

    @Option(name: .customLong("als-alpha"), help: "ALS confidence slope α (with --model-kind als; default 10).")
    var alsAlpha: Double?

    @Option(name: .customLong("model-seed"), help: "Publish the seeded initial model as version 1 in the first round (needed by ALS).")
    var modelSeed: UInt64?

    @Option(
        name: .customLong("skill-search"),
        help: "Skill search ranking: semantic (MiniLM, when installed; the default) or lexical (word overlap).")
    var skillSearch: String = "semantic"

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "info"

    func run() async throws {
        var configuration = try config.map { try HubConfiguration.load(path: $0) } ?? HubConfiguration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let data { configuration.dataDirectory = data }
        if let database { configuration.databaseURL = database }
        if let tlsCert { configuration.tlsCertificatePath = tlsCert }
        if let tlsKey { configuration.tlsKeyPath = tlsKey }
        if let dashboard { configuration.dashboard = dashboard }
        if let aggregationRule { configuration.aggregationRule = aggregationRule }
        if let rowCombination { configuration.rowCombination = rowCombination }
        if let agreementReputation { configuration.agreementReputation = agreementReputation }
        if let reputationRetention { configuration.reputationRetention = reputationRetention }
        if let modelItems { configuration.modelItems = modelItems }
        if let modelRank { configuration.modelRank = modelRank }
        if let modelKind { configuration.modelKind = modelKind }
        if let alsRegularization { configuration.alsRegularization = alsRegularization }
        if let alsAlpha { configuration.alsAlpha = alsAlpha }
        if let modelSeed { configuration.modelSeed = modelSeed }
        if configuration.adminToken == nil, let token = ProcessInfo.processInfo.environment["HIVE_ADMIN_TOKEN"], !token.isEmpty {
            configuration.adminToken = token
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level \(logLevel)")
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "hive.hub")

        let engine: any AggregationEngine
        do {
            try configuration.validate()
            engine = try HubEngines.aggregation(configuration)
        } catch let error as HiveError {
            throw ValidationError(error.message)
        }
        guard ["semantic", "lexical"].contains(self.skillSearch) else {
            throw ValidationError("--skill-search must be semantic or lexical, got \(self.skillSearch.prefix(40))")
        }
        let skillSearch = HubEngines.skillRanker(lexical: self.skillSearch == "lexical")
        let made: (server: HubServer, identity: HubIdentity)
        do {
            made = try HubServer.make(
                configuration: configuration, engine: engine, ranker: skillSearch.ranker,
                metrics: HubMetrics(registry: registry),
                logger: logger)
        } catch let error as HiveError {
            throw ValidationError(error.message)
        }
        let identity = made.identity
        let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
        say("hive hub \(HiveVersion.current)")
        say("  listening:       \(scheme)://\(configuration.host):\(configuration.port)")
        say("  storage:         \(configuration.databaseURL == nil ? "sqlite \(configuration.dataDirectory)/hub.sqlite" : "postgresql")")
        say("  hub public key:  \(identity.identity.publicKeyHex)\(identity.keyCreated ? " (new)" : "")")
        say("  hub node id:     \(identity.identity.nodeID)")
        say("  aggregation:     \(engine.name)")
        say("  model:           \(configuration.modelItems) items × rank \(configuration.modelRank)")
        say("  skill search:    \(skillSearch.ranker.method) (\(skillSearch.reason))")
        if identity.adminTokenCreated, let path = identity.adminTokenPath {
            // Shown once, on the console only (never through the logger); it stays in the 0600 file.
            say("  admin token:     \(identity.adminToken.value)")
            say("                   (shown once; kept in \(path), mode 0600)")
        } else if let path = identity.adminTokenPath {
            say("  admin token:     in \(path)")
        } else {
            say("  admin token:     from configuration")
        }
        say("  mcp:             \(scheme)://\(configuration.host):\(configuration.port)/mcp (Streamable HTTP, admin token)")
        say("  dashboard:       \(scheme)://\(configuration.host):\(configuration.port)/dashboard (\(configuration.dashboard == .public ? "public: aggregate figures only" : "admin token"))")
        // The hub's MCP tools at /mcp (HiveMCP sits above HiveHub, so it is mounted from here).
        var server = made.server
        server.api.routeExtensions.append(HubMCPEndpoint(core: server.core).mount)
        try await server.run()
    }

    /// Writes a banner line straight to stdout (unbuffered, so it shows even when piped before the server blocks).
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

extension DashboardAccess: ExpressibleByArgument {}
