import Foundation
import HiveCore
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The HTTP API: builds the router and holds the request helpers every route shares
/// (body limit, JSON decoding, authentication, rate limiting).
public struct HubAPI: Sendable {
    public let core: OmegaCore
    let limiter: RateLimiter
    /// Set once the store is migrated; `/readyz` answers 503 before.
    let readiness: Readiness
    /// Signed `GET /model` pages already encoded (see ``ModelPageCache``).
    let modelPages = ModelPageCache()
    /// Routes added by modules above the hub that HiveHub cannot import (HiveMCP mounts `/mcp`
    /// this way: it depends on HiveHub, so the hub cannot depend on it). Each runs once, after the
    /// built-in routes and middleware are in place, so its routes get problem+json errors too.
    public var routeExtensions: [@Sendable (Router<HubRequestContext>, HubAPI) -> Void] = []

    public init(core: OmegaCore, readiness: Readiness = Readiness(ready: true)) {
        self.core = core
        self.limiter = RateLimiter(perMinute: core.configuration.rateLimitPerMinute)
        self.readiness = readiness
    }

    /// The router with every route. CORS is off: no CORS middleware is installed, so browsers on
    /// other origins cannot read responses.
    public func makeRouter() -> Router<HubRequestContext> {
        let router = Router(context: HubRequestContext.self)
        // Request counts and durations through swift-metrics (the executable exports them at /metrics).
        router.add(middleware: MetricsMiddleware())
        let routes = RouteTable()
        router.add(middleware: ProblemMiddleware(metrics: core.metrics, routes: routes))
        addHealthRoutes(to: router)
        addDashboardRoutes(to: router)
        let api = router.group("api/v1")
        addTwinRoutes(to: api)
        addSyncRoutes(to: api)
        addSkillRoutes(to: api)
        addOperationRoutes(to: api)
        addEventRoutes(to: api)
        addLedgerRoutes(to: api)
        for extend in routeExtensions { extend(router, self) }
        routes.set(router.routes.map { ($0.method.rawValue, $0.path.description) })
        return router
    }

    // MARK: Helpers

    /// Who is calling.
    enum Principal {
        case admin
        case twin(TwinRecord)
    }

    /// Reads the body up to the configured limit (413 above it) after checking it is JSON (415).
    func body(_ request: Request) async throws -> ByteBuffer {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().hasPrefix("application/json") else {
            throw Problem(.unsupportedMediaType, "Content-Type must be application/json, got \"\(contentType.prefix(64))\"")
        }
        let limit = core.configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem(.payloadTooLarge, "body is \(length) bytes; the limit is \(limit)")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw Problem(.payloadTooLarge, "body exceeds the limit of \(limit) bytes")
        }
    }

    /// Decodes JSON; failures name the field (400 malformed-request, or invalid-input for a value out of range).
    func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        do {
            return try HiveJSON.decode(type, from: Data(buffer.readableBytesView))
        } catch let error as HiveError {
            throw Problem(error.code == .invalidInput ? .invalidInput : .malformedRequest, error.message)
        }
    }

    /// Encodes a JSON response.
    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try HiveJSON.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }

    /// Rate-limits `key` (429 with Retry-After).
    func throttle(_ key: String) throws {
        if let retry = limiter.acquire(key, nowMs: core.nowMs) {
            throw Problem(
                .rateLimited, "rate limit of \(core.configuration.rateLimitPerMinute) requests per minute exceeded",
                headers: [.retryAfter: String(retry)])
        }
    }

    /// Rate-limits an unauthenticated caller by address.
    func throttleAnonymous(_ context: HubRequestContext) throws {
        try throttle("ip:" + (context.remoteAddress ?? "unknown"))
    }

    /// Requires the admin token (401 problem otherwise; rate-limited like every admin route).
    public func requireAdmin(_ request: Request, _ context: HubRequestContext) throws {
        guard let token = bearer(request), core.identity.adminToken.matches(token) else {
            try throttleAnonymous(context)
            throw Problem(.unauthorized, "this route needs the admin token")
        }
        try throttle("admin")
    }

    /// Requires a twin access token (rate-limited per twin).
    func requireTwin(_ request: Request, _ context: HubRequestContext) async throws -> TwinRecord {
        let token = bearer(request)
        if token == nil { try throttleAnonymous(context) }
        let twin = try await core.authenticate(bearer: token)
        try throttle("twin:" + twin.id)
        return twin
    }

    /// ``requireTwin(_:_:)`` for `POST /sync`: the twin's fixed fields from memory, its blocked flag
    /// checked by the sync's write transaction (see ``OmegaCore/authenticateForSync(bearer:)``).
    func requireSyncTwin(_ request: Request, _ context: HubRequestContext) async throws -> TwinRecord {
        let token = bearer(request)
        if token == nil { try throttleAnonymous(context) }
        let twin = try await core.authenticateForSync(bearer: token)
        try throttle("twin:" + twin.id)
        return twin
    }

    /// Accepts the admin token or a twin token.
    func requirePrincipal(_ request: Request, _ context: HubRequestContext) async throws -> Principal {
        if let token = bearer(request), core.identity.adminToken.matches(token) {
            try throttle("admin")
            return .admin
        }
        return .twin(try await requireTwin(request, context))
    }

    /// An integer query parameter within `range` (400 invalid-input naming it otherwise).
    func queryInt(_ request: Request, _ name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = request.uri.queryParameters[name[...]] else { return value }
        guard let number = Int64(String(text)), range.contains(number) else {
            throw Problem(.invalidInput, "query parameter \(name) must be an integer in \(range.lowerBound)–\(range.upperBound)")
        }
        return number
    }
}

/// Whether the hub is ready to serve (storage migrated).
public final class Readiness: Sendable {
    private let state: Mutex<Bool>
    public init(ready: Bool) { state = Mutex(ready) }
    public var isReady: Bool { state.withLock { $0 } }
    public func set(_ ready: Bool) { state.withLock { $0 = ready } }
}
