import HiveCore
import Hummingbird

extension HubAPI {
    func addEventRoutes(to api: RouterGroup<HubRequestContext>) {
        api.get("events") { request, context in
            _ = try await requirePrincipal(request, context)
            return try eventResponse(request, twinID: nil)
        }
        api.get("events/{twinId}") { request, context in
            let id = try context.parameters.require("twinId")
            switch try await requirePrincipal(request, context) {
            case .admin: break
            case .twin(let caller):
                guard caller.id == id else { throw Problem(.forbidden, "a twin may follow only its own events") }
            }
            return try eventResponse(request, twinID: id)
        }
    }

    /// Resumes after `Last-Event-ID` (header, or `lastEventId` query for clients that cannot set headers).
    func eventResponse(_ request: Request, twinID: String?) throws -> Response {
        var after: Int64 = 0
        if let header = request.headers[.init("Last-Event-ID")!] ?? request.uri.queryParameters["lastEventId"].map(String.init) {
            guard let value = Int64(header), value >= 0 else {
                throw Problem(.invalidInput, "Last-Event-ID must be a non-negative integer")
            }
            after = value
        }
        let maxEvents = request.uri.queryParameters["maxEvents"] == nil
            ? nil : Int(try queryInt(request, "maxEvents", default: 1, range: 1...10_000))
        let stream = EventStream(
            store: core.store, after: after, twinID: twinID, maxEvents: maxEvents,
            pollInterval: .milliseconds(core.configuration.eventPollIntervalMs))
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: stream.body())
    }
}
