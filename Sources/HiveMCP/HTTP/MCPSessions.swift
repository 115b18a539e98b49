import Foundation
import HiveCore
import Logging
import MCP

/// The Streamable HTTP side of MCP for many clients: one SDK ``StatefulHTTPServerTransport`` (in a
/// ``RequestScopedTransport``, which puts a request's progress on that request's own stream) and
/// one `Server` per session, created by an `initialize` POST and addressed by the
/// `MCP-Session-Id` header afterwards.
///
/// The SDK's transport is framework-agnostic (requests and responses as plain values, SSE bodies
/// as async streams), so it serves inside Hummingbird as is; what it leaves to the host — the
/// table of sessions — lives here. Sessions end on `DELETE`, after `idleTimeout` without a
/// request, or when the table is full (the least recently used goes). Expiry is checked on each
/// request rather than by a timer, so no background task outlives a request.
public actor MCPSessions {
    /// Makes the server for a new session (tools registered, not started).
    public typealias ServerFactory = @Sendable () async -> Server

    struct Session {
        let server: Server
        let transport: RequestScopedTransport
        var lastUsed: ContinuousClock.Instant
    }

    private let factory: ServerFactory
    private let logger: Logger
    private let validation: (any HTTPRequestValidationPipeline)?
    private var sessions: [String: Session] = [:]
    /// Most concurrent sessions.
    public nonisolated let capacity: Int
    /// A session unused this long is closed.
    public nonisolated let idleTimeout: Duration

    /// - Parameter validation: the checks every request passes first; nil for the SDK's default
    ///   (localhost-only Host and Origin, Accept, Content-Type, protocol version, session).
    public init(
        capacity: Int = 64, idleTimeout: Duration = .seconds(1_800),
        validation: (any HTTPRequestValidationPipeline)? = nil, logger: Logger, factory: @escaping ServerFactory
    ) {
        self.capacity = max(1, capacity)
        self.idleTimeout = idleTimeout
        self.validation = validation
        self.logger = logger
        self.factory = factory
    }

    /// Open sessions.
    public var count: Int { sessions.count }

    /// Routes one HTTP request to its session (or opens one for `initialize`).
    public func handle(_ request: MCP.HTTPRequest) async -> MCP.HTTPResponse {
        await expireIdle()
        let id = request.header(HTTPHeaderName.sessionID)
        if let id, var session = sessions[id] {
            session.lastUsed = .now
            sessions[id] = session
            let response = await session.transport.handleRequest(request)
            if request.method.uppercased() == "DELETE", response.statusCode == 200 { await close(id) }
            return response
        }
        if id == nil, request.method.uppercased() == "POST", let body = request.body, Self.isInitialize(body) {
            return await open(request)
        }
        if id != nil {
            return .error(
                statusCode: 404, .invalidRequest("Not Found: no MCP session with this id (expired or closed)"))
        }
        return .error(
            statusCode: 400,
            .invalidRequest(
                "Bad Request: send initialize first, then the \(HTTPHeaderName.sessionID) header it returns"))
    }

    /// Closes every session (hub shutdown).
    public func closeAll() async {
        for id in Array(sessions.keys) { await close(id) }
    }

    private func open(_ request: MCP.HTTPRequest) async -> MCP.HTTPResponse {
        if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            logger.notice("MCP session table full; closing the least recently used", metadata: ["session": "\(oldest)"])
            await close(oldest)
        }
        let id = Self.newSessionID()
        let transport = RequestScopedTransport(
            StatefulHTTPServerTransport(
                sessionIDGenerator: FixedSessionID(id: id), validationPipeline: validation, logger: logger))
        let server = await factory()
        do {
            try await server.start(transport: transport)
        } catch {
            await transport.disconnect()
            return .error(statusCode: 500, .internalError("cannot start an MCP session: \(HiveJSON.describe(error))"))
        }
        let response = await transport.handleRequest(request)
        if case .error = response {
            await server.stop()
            return response
        }
        sessions[id] = Session(server: server, transport: transport, lastUsed: .now)
        logger.info("MCP session opened", metadata: ["session": "\(id)"])
        return response
    }

    private func close(_ id: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        await session.server.stop()
        logger.info("MCP session closed", metadata: ["session": "\(id)"])
    }

    private func expireIdle() async {
        let now = ContinuousClock.now
        for (id, session) in sessions where now - session.lastUsed > idleTimeout { await close(id) }
    }

    static func isInitialize(_ body: Data) -> Bool {
        guard let message = try? JSONDecoder().decode([String: Value].self, from: body) else { return false }
        return message["method"]?.stringValue == "initialize" && message["id"] != nil
    }

    /// 128 random bits, hex (visible ASCII, as the specification requires).
    static func newSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    struct FixedSessionID: SessionIDGenerator {
        let id: String
        func generateSessionID() -> String { id }
    }
}
