import HiveCore
import Hummingbird

extension HubAPI {
    struct SkillHit: Codable {
        var score: Double
        var instanceID: String
        var trace: SkillTrace
        var envelope: SignedEnvelope
    }

    struct SkillSearch: Codable {
        /// "lexical" or "semantic": which ranking produced the scores.
        var method: String
        var note: String
        var threshold: Double
        var skills: [SkillHit]
    }

    struct SkillAccepted: Codable {
        var id: String
        var traceID: String
        var status: String
    }

    struct InstanceList: Codable {
        var instances: [InstanceRecord]
    }

    func addSkillRoutes(to api: RouterGroup<HubRequestContext>) {
        api.post("skills") { request, context in
            let twin = try await requireTwin(request, context)
            let envelope = try decode(SignedEnvelope.self, from: try await body(request))
            let (result, trace) = try await core.publishSkillTrace(envelope, twin: twin)
            return try json(SkillAccepted(id: result.id, traceID: trace.traceID, status: "accepted"), status: .created)
        }
        api.get("skills") { request, context in
            _ = try await requirePrincipal(request, context)
            guard let intent = request.uri.queryParameters["intent"].map(String.init), !intent.isEmpty else {
                throw Problem(.invalidInput, "query parameter intent is required")
            }
            guard intent.utf8.count <= SkillTrace.Limits.intentBytes else {
                throw Problem(.invalidInput, "intent is longer than \(SkillTrace.Limits.intentBytes) bytes")
            }
            let limit = Int(try queryInt(request, "limit", default: 10, range: 1...100))
            // The SkillSearch shape, assembled from per-trace JSON cached by the core.
            let body = try await core.searchSkillsAnswer(intent: intent, limit: limit)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        api.get("instances") { request, context in
            _ = try await requirePrincipal(request, context)
            return try json(InstanceList(instances: try await core.store.instances()))
        }
    }
}
