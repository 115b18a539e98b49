import HiveCore
import HiveLedger
import Hummingbird

extension HubAPI {
    /// Answer of `POST /patterns` and `POST /updates`.
    struct BatchResult: Codable {
        var results: [OmegaSyncResponse.EnvelopeResult]
        /// Ledger inclusion receipts of the accepted envelopes, by envelope id.
        var receipts: [String: InclusionReceipt]?
    }

    struct EnvelopeBatch: Codable {
        var envelopes: [SignedEnvelope]
    }

    /// `GET /patterns` answer, signed by the hub.
    struct PatternsPage: Codable {
        var patterns: [ConsolidatedPattern]
        var signature: HubSignature?
    }

    /// `GET /model` answer, signed by the hub.
    struct ModelPage: Codable {
        var delta: ModelRowsDelta?
        var version: Int64
        var signature: HubSignature?
    }

    /// `POST /updates/one` answer.
    struct UpdateAccepted: Codable {
        var id: String
        var status: String
        /// Ledger inclusion receipt of the stored update.
        var receipt: InclusionReceipt?
    }

    static let patternsDomain = "hive.patterns.v1"
    static let modelDomain = "hive.model.v1"

    func addSyncRoutes(to api: RouterGroup<HubRequestContext>) {
        api.post("sync") { request, context in
            do {
                let started = ContinuousClock.now
                let twin = try await requireSyncTwin(request, context)
                let sync = try decode(OmegaSyncRequest.self, from: try await body(request))
                let answer = try await core.syncWithReceipts(sync, twin: twin, presentedToken: bearer(request))
                var reply = SyncAnswer(response: answer.response, receipts: answer.receipts)
                if let from = sync.ledgerFrom { (reply.treeHead, reply.consistency) = try await ledgerCheck(from: from, receipts: answer.receipts) }
                let data = try reply.jsonBytes()
                core.recordSync(sync, bytesOut: data.count, since: started)
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            } catch {
                core.metrics.recordSyncFailure()
                throw error
            }
        }
        api.post("patterns") { request, context in
            let twin = try await requireTwin(request, context)
            let batch = try decodeBatch(try await body(request))
            let pushed = try await core.pushWithReceipts(batch.envelopes, twin: twin, kinds: [.pattern])
            return try json(BatchResult(results: pushed.results, receipts: pushed.receipts))
        }
        api.get("patterns") { request, context in
            _ = try await requirePrincipal(request, context)
            let since = try queryInt(request, "since", default: 0, range: 0...Int64.max)
            let limit = Int(try queryInt(request, "limit", default: 100, range: 1...1000))
            var priority: ConsolidatedPattern.Priority?
            if let text = request.uri.queryParameters["priority"] {
                guard let value = ConsolidatedPattern.Priority(rawValue: String(text)) else {
                    throw Problem(.invalidInput, "priority must be high, medium or low")
                }
                priority = value
            }
            let patterns = try await core.store.consolidatedPatterns(sinceRound: since, priority: priority, limit: limit)
            let signature = try HubSignature.sign(patterns, domain: Self.patternsDomain, identity: core.identity.identity)
            return try json(PatternsPage(patterns: patterns, signature: signature))
        }
        api.post("updates") { request, context in
            let twin = try await requireTwin(request, context)
            guard core.engine != nil else {
                throw Problem(
                    .engineUnavailable,
                    "model updates need the aggregation engine (HiveLearning), which is not in this build")
            }
            let batch = try decodeBatch(try await body(request))
            let pushed = try await core.pushWithReceipts(batch.envelopes, twin: twin, kinds: [.modelUpdate])
            return try json(BatchResult(results: pushed.results, receipts: pushed.receipts))
        }
        api.post("updates/one") { request, context in
            let twin = try await requireTwin(request, context)
            guard core.engine != nil else {
                throw Problem(
                    .engineUnavailable,
                    "model updates need the aggregation engine (HiveLearning), which is not in this build")
            }
            let envelope = try decode(SignedEnvelope.self, from: try await body(request))
            let pushed = try await core.pushUpdate(envelope, twin: twin)
            return try json(UpdateAccepted(id: pushed.result.id, status: "accepted", receipt: pushed.receipt), status: .created)
        }
        api.get("model") { request, context in
            _ = try await requirePrincipal(request, context)
            let since = try queryInt(request, "sinceVersion", default: 0, range: 0...Int64.max)
            let current = try await core.store.modelVersion()
            if let page = modelPages.page(since: since, version: current.version) {
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: page)))
            }
            var delta: ModelRowsDelta?
            if let dimension = current.dimension, since < current.version {
                let rows = try await core.store.modelRows(sinceVersion: since, limit: OmegaCore.maxModelRows)
                delta = try ModelRowsDelta(version: current.version, dimension: dimension, rows: rows)
            }
            let signature = try delta.map { try HubSignature.sign($0, domain: Self.modelDomain, identity: core.identity.identity) }
            let data = [UInt8](try HiveJSON.encode(ModelPage(delta: delta, version: current.version, signature: signature)))
            // A page cut at the row limit is not the whole answer for its key; only whole pages are kept.
            if (delta?.rows.count ?? 0) < OmegaCore.maxModelRows { modelPages.store(data, since: since, version: current.version) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    func decodeBatch(_ buffer: ByteBuffer) throws -> EnvelopeBatch {
        let batch = try decode(EnvelopeBatch.self, from: buffer)
        guard batch.envelopes.count <= OmegaSyncRequest.maxEnvelopes else {
            throw Problem(.invalidInput, "envelopes has \(batch.envelopes.count) items; the limit is \(OmegaSyncRequest.maxEnvelopes)")
        }
        return batch
    }
}
