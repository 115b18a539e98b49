import Foundation
import HiveCore
import HiveHub
import Hummingbird
import Logging
import MCP
import NIOCore
import ServiceLifecycle

/// Mounts the hub's MCP server at `/mcp` (Streamable HTTP: POST messages, GET the server's event
/// stream, DELETE to end a session), behind the hub's admin token — the same bearer token every
/// operations route takes, so an MCP client configured for the hub has exactly an operator's power.
///
/// Use through ``HubAPI/routeExtensions`` (HiveHub cannot import this module):
/// `server.api.routeExtensions.append(HubMCPEndpoint(core: server.core).mount)`.
public struct HubMCPEndpoint: Sendable {
    public let sessions: MCPSessions
    let core: OmegaCore

    /// The path the endpoint is served at.
    public static let path = "mcp"

    public init(core: OmegaCore, capacity: Int = 64, idleTimeout: Duration = .seconds(1_800)) {
        self.core = core
        let attachment = HubSession.Attachment.running(core)
        self.sessions = MCPSessions(
            capacity: capacity, idleTimeout: idleTimeout, validation: Self.validation, logger: core.logger
        ) {
            await ToolServer.make(
                name: "hive-hub", instructions: HubTools.instructions, tools: HubTools.all(HubSession(attachment)))
        }
    }

    /// The SDK's request checks minus its localhost-only Host/Origin check. That check guards
    /// unauthenticated local servers against DNS rebinding; `/mcp` needs the admin bearer token
    /// (which a rebinding page does not have, and the hub answers no CORS preflight), and a hub is
    /// reached under its own host name — the SDK's check would answer 421 to every remote operator.
    public static let validation = StandardValidationPipeline(validators: [
        AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(), ProtocolVersionValidator(),
        SessionValidator(),
    ])

    /// Adds `POST`, `GET` and `DELETE /mcp` to `router` (a ``HubAPI`` route extension).
    public func mount(_ router: Router<HubRequestContext>, _ api: HubAPI) {
        for method in [HTTPRequest.Method.post, .get, .delete] {
            router.on(RouterPath(Self.path), method: method) { request, context in
                try api.requireAdmin(request, context)
                return try await respond(to: request)
            }
        }
    }

    func respond(to request: Request) async throws -> Response {
        var body: Data?
        if request.method == .post {
            let limit = core.configuration.maxBodyBytes
            if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
                throw Problem(.payloadTooLarge, "body is \(length) bytes; the limit is \(limit)")
            }
            do {
                body = Data(buffer: try await request.body.collect(upTo: limit))
            } catch {
                throw Problem(.payloadTooLarge, "body exceeds the limit of \(limit) bytes")
            }
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let answer = await sessions.handle(
            MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: "/" + Self.path))
        return Self.response(answer)
    }

    /// The SDK's response as a Hummingbird response; SSE bodies stream until the session's
    /// transport ends them, the client goes away, or the hub shuts down gracefully.
    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPFields.Element.Name(name) { fields[field] = value }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        switch answer {
        case .stream(let stream, _):
            return Response(
                status: status, headers: fields,
                body: ResponseBody { writer in
                    // Ends on graceful shutdown too, so an open event stream never holds the hub up.
                    for try await chunk in stream.cancelOnGracefulShutdown() {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                    try await writer.finish(nil)
                })
        default:
            let data = answer.bodyData ?? Data()
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}
