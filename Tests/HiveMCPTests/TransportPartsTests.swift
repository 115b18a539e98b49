import Foundation
import Logging
import MCP
import Testing

@testable import HiveMCP

@Suite("Streamable HTTP parts: the session table and the SSE parser")
struct TransportPartsTests {
    static let initialize = Data(
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
            .utf8)
    static let headers = ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"]

    static func sessions(capacity: Int = 4, idle: Duration = .seconds(60)) -> MCPSessions {
        MCPSessions(capacity: capacity, idleTimeout: idle, logger: Logger(label: "test")) {
            await ToolServer.make(name: "t", instructions: "t", tools: [])
        }
    }

    static func open(_ sessions: MCPSessions) async throws -> String {
        let response = await sessions.handle(
            HTTPRequest(method: "POST", headers: headers, body: initialize, path: "/mcp"))
        #expect(response.statusCode == 200)
        return try #require(response.headers[HTTPHeaderName.sessionID])
    }

    static func list(_ sessions: MCPSessions, _ id: String) async -> Int {
        var headers = Self.headers
        headers[HTTPHeaderName.sessionID] = id
        headers[HTTPHeaderName.protocolVersion] = "2025-06-18"
        let body = Data(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.utf8)
        return await sessions.handle(HTTPRequest(method: "POST", headers: headers, body: body, path: "/mcp")).statusCode
    }

    @Test("initialize opens a session; without one a request is 400, with an unknown id 404; DELETE closes")
    func lifecycle() async throws {
        let sessions = Self.sessions()
        let noSession = await sessions.handle(
            HTTPRequest(
                method: "POST", headers: Self.headers, body: Data(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.utf8)))
        #expect(noSession.statusCode == 400)
        let id = try await Self.open(sessions)
        #expect(id.count == 32 && id.utf8.allSatisfy { (0x21...0x7E).contains($0) })
        #expect(await sessions.count == 1)
        #expect(await Self.list(sessions, id) == 200)
        #expect(await Self.list(sessions, "feedfacefeedfacefeedfacefeedface") == 404)
        var headers = Self.headers
        headers[HTTPHeaderName.sessionID] = id
        headers[HTTPHeaderName.protocolVersion] = "2025-06-18"
        #expect(await sessions.handle(HTTPRequest(method: "DELETE", headers: headers)).statusCode == 200)
        #expect(await sessions.count == 0)
        #expect(await Self.list(sessions, id) == 404)
    }

    @Test("the hub's checks accept the hub's own host name; the SDK default (localhost only) would answer 421")
    func hostNames() async throws {
        var remote = Self.headers
        remote["Host"] = "hub.example.com:8433"
        let request = HTTPRequest(method: "POST", headers: remote, body: Self.initialize, path: "/mcp")
        let hub = MCPSessions(validation: HubMCPEndpoint.validation, logger: Logger(label: "test")) {
            await ToolServer.make(name: "t", instructions: "t", tools: [])
        }
        #expect(await hub.handle(request).statusCode == 200)
        let sdkDefault = Self.sessions()
        #expect(await sdkDefault.handle(request).statusCode == 421)
        // The hub's checks still refuse what the protocol forbids: a POST that does not accept SSE.
        var jsonOnly = Self.headers
        jsonOnly["Accept"] = "application/json"
        let refused = await hub.handle(
            HTTPRequest(method: "POST", headers: jsonOnly, body: Self.initialize, path: "/mcp"))
        #expect(refused.statusCode == 406)
        await hub.closeAll()
        await sdkDefault.closeAll()
    }

    @Test("a full table closes the least recently used session; idle sessions expire")
    func capacityAndIdle() async throws {
        let full = Self.sessions(capacity: 2)
        let first = try await Self.open(full)
        let second = try await Self.open(full)
        #expect(await Self.list(full, first) == 200)  // first is now the more recently used
        let third = try await Self.open(full)
        #expect(await full.count == 2)
        #expect(await Self.list(full, second) == 404)
        #expect(await Self.list(full, first) == 200)
        #expect(await Self.list(full, third) == 200)

        let idle = Self.sessions(idle: .milliseconds(1))
        let old = try await Self.open(idle)
        try await Task.sleep(for: .milliseconds(20))
        #expect(await Self.list(idle, old) == 404)
        await idle.closeAll()
        await full.closeAll()
        #expect(await full.count == 0)
    }

    @Test("a request with a progress token is answered on its own stream: progress first, then the answer")
    func requestScopedProgress() async throws {
        let slow = MCPTool(name: "slow", description: "reports progress", input: .arguments([])) { _, context in
            await context.progress(1, total: 2, "half")
            await context.progress(2, total: 2, "done")
            return ["finished": true]
        }
        let sessions = MCPSessions(capacity: 2, idleTimeout: .seconds(60), logger: Logger(label: "test")) {
            await ToolServer.make(name: "t", instructions: "t", tools: [slow])
        }
        let id = try await Self.open(sessions)
        var headers = Self.headers
        headers[HTTPHeaderName.sessionID] = id
        headers[HTTPHeaderName.protocolVersion] = "2025-06-18"
        let call = Data(
            #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{},"_meta":{"progressToken":"tok"}}}"#
                .utf8)
        let response = await sessions.handle(HTTPRequest(method: "POST", headers: headers, body: call, path: "/mcp"))
        guard case .stream(let stream, _) = response else {
            Issue.record("expected an SSE stream, got \(response.statusCode)")
            return
        }
        var parser = ServerSentEvents()
        var messages: [[String: Value]] = []
        for try await chunk in stream {
            for event in parser.feed(Array(chunk)) where !event.isEmpty {
                messages.append(try JSONDecoder().decode([String: Value].self, from: Data(event)))
            }
        }
        #expect(
            messages.map { $0["method"]?.stringValue ?? "answer" } == [
                "notifications/progress", "notifications/progress", "answer",
            ])
        #expect(messages.first?["params"]?.objectValue?["progressToken"] == "tok")
        #expect(messages.last?["id"] == 7)
        #expect(messages.last?["result"]?.objectValue?["structuredContent"] == ["finished": true])
        await sessions.closeAll()
    }

    @Test("SSE parser: events split across chunks, CRLF, multi-line data, comments, priming and other event types")
    func serverSentEvents() {
        var parser = ServerSentEvents()
        let stream =
            "id: p1\nretry: 100\ndata: \n\n: keep-alive\r\nevent: message\r\nid: 1\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nevent: ping\ndata: x\n\ndata:{\"b\":2}\n\n"
        let bytes = Array(stream.utf8)
        var events: [String] = []
        // Feed in 3-byte chunks so fields and line ends straddle chunk boundaries.
        for start in stride(from: 0, to: bytes.count, by: 3) {
            events += parser.feed(Array(bytes[start..<min(bytes.count, start + 3)])).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        events += parser.finish().map { String(decoding: $0, as: UTF8.self) }
        // The priming event has empty data (delivered as empty, dropped by the transport); "ping" is skipped.
        #expect(events.filter { !$0.isEmpty } == ["{\"a\":\n1}", "{\"b\":2}"])
        var unterminated = ServerSentEvents()
        #expect(unterminated.feed(Array("data: tail".utf8)).isEmpty)
        #expect(unterminated.finish().map { String(decoding: $0, as: UTF8.self) } == ["tail"])
    }
}
