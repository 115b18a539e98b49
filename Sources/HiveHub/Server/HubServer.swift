import Foundation
import HiveCore
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import Logging
import PostgresNIO
import ServiceLifecycle

/// Assembles a runnable hub from a configuration: storage (SQLite under the data directory or
/// PostgreSQL), identity, core, HTTP application and background services.
public struct HubServer: Sendable {
    public let core: OmegaCore
    /// Mutable so the executable can add ``HubAPI/routeExtensions`` before ``run()``.
    public var api: HubAPI
    /// Services to run besides the HTTP application (the PostgreSQL pool, the round scheduler).
    public let backgroundServices: [any Service]
    let readiness: Readiness

    /// Opens storage and identity. Nothing listens until ``run()``.
    public static func make(
        configuration: HubConfiguration, engine: (any AggregationEngine)?,
        ranker: any SkillRanker = LexicalSkillRanker(), metrics: HubMetrics = HubMetrics(), logger: Logger
    ) throws -> (server: HubServer, identity: HubIdentity) {
        try configuration.validate()
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let identity = try HubIdentity.loadOrCreate(
            dataDirectory: configuration.dataDirectory, configuredAdminToken: configuration.adminToken)
        let store: any HubStore
        var services: [any Service] = []
        if let url = configuration.databaseURL {
            let postgres = try PostgresHubStore(url: url, ledgerSigner: identity.identity, logger: logger)
            services.append(postgres.client)
            services.append(PostgresFeedListener(store: postgres, logger: logger))
            store = postgres
        } else {
            let path = (configuration.dataDirectory as NSString).appendingPathComponent("hub.sqlite")
            store = try SQLiteHubStore(path: path, ledgerSigner: identity.identity)
        }
        let core = OmegaCore(
            configuration: configuration, identity: identity, store: store, engine: engine, ranker: ranker, metrics: metrics,
            logger: logger)
        services.append(AggregationScheduler(core: core))
        let readiness = Readiness(ready: false)
        let server = HubServer(
            core: core, api: HubAPI(core: core, readiness: readiness), backgroundServices: services, readiness: readiness)
        return (server, identity)
    }

    /// The HTTP application: HTTP/1.1 in the clear, or TLS 1.3 with HTTP/2 and HTTP/1.1 (ALPN) when
    /// a certificate is configured.
    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        throws -> some ApplicationProtocol
    {
        let configuration = core.configuration
        let server: HTTPServerBuilder
        if let certificatePath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath {
            let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv13
            server = try .http2Upgrade(tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        return Application(
            router: api.makeRouter(), server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hive-hub"),
            onServerRunning: onServerRunning, logger: core.logger)
    }

    /// Migrates storage, checks the stored model fits the configured shape
    /// (``OmegaCore/checkStoredModel()``) and marks the hub ready (call after the PostgreSQL pool
    /// is running).
    public func prepare() async throws {
        try await core.store.migrate()
        try await core.checkStoredModel()
        readiness.set(true)
    }

    /// Runs storage, scheduler and HTTP server until SIGTERM/SIGINT, then shuts down gracefully:
    /// the server stops accepting, in-flight requests finish, a running round completes.
    public func run(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws {
        let application = try makeApplication(onServerRunning: onServerRunning)
        let preparation = PreparationService(server: self)
        let group = ServiceGroup(
            configuration: .init(
                services: backgroundServices.map { .init(service: $0) } + [
                    .init(service: preparation, successTerminationBehavior: .ignore),
                    .init(service: application),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: core.logger))
        try await group.run()
    }
}

/// Migrates storage once the pool is up, retrying while the database is starting.
struct PreparationService: Service {
    let server: HubServer

    func run() async throws {
        var attempt = 0
        while true {
            do {
                try await server.prepare()
                server.core.logger.info("storage ready", metadata: ["backend": "\(server.core.store.backend)"])
                await server.core.warmKnownTwins()
                return
            } catch let error as HiveError where error.code == .inconsistent {
                // A configuration that does not fit the stored data: retrying cannot help.
                throw error
            } catch {
                attempt += 1
                guard attempt < 30, !Task.isShuttingDownGracefully else { throw error }
                server.core.logger.warning("storage not ready; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
