import HiveCore
import Hummingbird
import NIOCore

extension HubAPI {
    /// What `GET /api/v1/hub` says about this hub.
    struct HubInfo: Codable {
        var publicKey: String
        var nodeID: String
        var version: String
        var storage: String
        var aggregationEngine: String?
        var skillRanking: String
        var tokenTTLSeconds: Int
        var maxBodyBytes: Int
        var rateLimitPerMinute: Int
        /// The global model's shape when the engine is HiveLearning's: twins train updates for it.
        var model: ModelShape?
    }

    /// Items and factor rank of the hub's global model (stored rows are `rank + 1` floats).
    struct ModelShape: Codable {
        var itemCount: Int
        var rank: Int
    }

    func addHealthRoutes(to router: Router<HubRequestContext>) {
        router.get("healthz") { _, _ in
            try json(["status": "ok"])
        }
        router.get("readyz") { _, _ in
            guard readiness.isReady else { throw Problem(.notReady, "storage is not migrated yet") }
            do {
                try await core.store.ping()
            } catch {
                throw Problem(.notReady, "storage (\(core.store.backend)) does not answer")
            }
            return try json(["status": "ready", "storage": core.store.backend])
        }
        router.get("metrics") { request, context in
            try requireAdmin(request, context)
            if let postgres = core.store as? PostgresHubStore { core.metrics.recordIngestBatches(postgres.ingestWriter.fastPath.counts) }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: core.metrics.render())))
        }
        router.get("api/v1/hub") { request, context in
            try throttleAnonymous(context)
            let configuration = core.configuration
            return try json(
                HubInfo(
                    publicKey: core.identity.identity.publicKeyHex, nodeID: core.identity.identity.nodeID,
                    version: HiveVersion.current, storage: core.store.backend, aggregationEngine: core.engine?.name,
                    skillRanking: core.ranker.method, tokenTTLSeconds: configuration.tokenTTLSeconds,
                    maxBodyBytes: configuration.maxBodyBytes, rateLimitPerMinute: configuration.rateLimitPerMinute,
                    model: (core.engine as? LearningAggregationEngine).map {
                        ModelShape(itemCount: $0.configuration.itemCount, rank: $0.configuration.rank)
                    }))
        }
    }
}
