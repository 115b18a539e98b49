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
            let result = try await core.publishSkill(envelope, twin: twin)
            let trace = try envelope.decodePayload(as: SkillTrace.self)
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
            let ranked = try await core.searchSkills(intent: intent, limit: limit)
            return try json(
                SkillSearch(
                    method: core.ranker.method, note: core.ranker.note, threshold: core.configuration.skillMatchThreshold,
                    skills: ranked.map {
                        SkillHit(score: $0.score, instanceID: $0.record.twinID, trace: $0.record.trace, envelope: $0.record.envelope)
                    }))
        }
        api.get("instances") { request, context in
            _ = try await requirePrincipal(request, context)
            return try json(InstanceList(instances: try await core.store.instances()))
        }
    }
}
