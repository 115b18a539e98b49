import HiveCore
import Hummingbird

extension HubAPI {
    /// A twin as `GET /twins/{id}` shows it.
    struct TwinView: Codable {
        var id: String
        var publicKey: String
        var userID: String
        var metadata: [String: String]
        var registeredAt: Int64
        var rank: Int
        var reputation: Double
        var blocked: Bool
        var lastSyncAt: Int64?
        var acceptedCount: Int64
        var rejectedCount: Int64
    }

    struct TwinPage: Codable {
        var twins: [TwinView]
        /// Pass as `after` for the next page; absent on the last page.
        var next: String?
    }

    struct BlockRequest: Codable {
        var blocked: Bool
    }

    func view(_ twin: TwinRecord) async throws -> TwinView {
        TwinView(
            id: twin.id, publicKey: twin.publicKey, userID: twin.userID, metadata: twin.metadata, registeredAt: twin.registeredAt,
            rank: try await core.store.rank(twinID: twin.id), reputation: twin.reputation, blocked: twin.blocked,
            lastSyncAt: twin.lastSyncAt, acceptedCount: twin.acceptedCount, rejectedCount: twin.rejectedCount)
    }

    func addTwinRoutes(to api: RouterGroup<HubRequestContext>) {
        api.post("twins/challenge") { _, context in
            try throttleAnonymous(context)
            return try json(try await core.challenge(), status: .created)
        }
        api.post("twins") { request, context in
            try throttleAnonymous(context)
            let registration = try decode(Registration.Request.self, from: try await body(request))
            do {
                return try json(try await core.register(registration), status: .created)
            } catch let error as HiveError where error.code == .badSignature {
                throw Problem(.badSignature, "registration signature does not verify over the challenge")
            }
        }
        api.get("twins") { request, context in
            try requireAdmin(request, context)
            let limit = Int(try queryInt(request, "limit", default: 50, range: 1...500))
            let after = request.uri.queryParameters["after"].map(String.init)
            let twins = try await core.store.twins(after: after, limit: limit + 1)
            var views: [TwinView] = []
            for twin in twins.prefix(limit) { views.append(try await view(twin)) }
            return try json(TwinPage(twins: views, next: twins.count > limit ? views.last?.id : nil))
        }
        api.get("twins/{id}") { request, context in
            let id = try context.parameters.require("id")
            switch try await requirePrincipal(request, context) {
            case .admin: break
            case .twin(let caller):
                guard caller.id == id else { throw Problem(.forbidden, "a twin may read only its own record") }
            }
            guard let twin = try await core.store.twin(id: id) else { throw Problem(.notFound, "no twin \(id.prefix(64))") }
            return try json(try await view(twin))
        }
        api.post("twins/{id}/block") { request, context in
            try requireAdmin(request, context)
            let id = try context.parameters.require("id")
            let change = try decode(BlockRequest.self, from: try await body(request))
            let twin = try await core.store.setBlocked(twinID: id, blocked: change.blocked, nowMs: core.nowMs)
            core.logger.notice("twin blocklist changed", metadata: ["twin": "\(twin.id)", "blocked": "\(twin.blocked)"])
            return try json(try await view(twin))
        }
    }
}
