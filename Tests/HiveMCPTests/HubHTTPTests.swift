import AsyncHTTPClient
import Foundation
import HiveCore
import HiveHub
import HiveTestSupport
import MCP
import NIOCore
import Testing

@testable import HiveMCP

@Suite("Hub /mcp over real HTTP on loopback (Streamable HTTP, admin token)")
struct HubHTTPTests {
    static let initialize =
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#

    /// A raw POST /mcp, returning status and body.
    static func post(_ url: String, token: String?, session: String? = nil, body: String = initialize) async throws -> (
        Int, String
    ) {
        var request = HTTPClientRequest(url: url + "/mcp")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let session { request.headers.add(name: "MCP-Session-Id", value: session) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }

    @Test("401 problem without the admin token or with a wrong one; nothing is opened")
    func unauthorized() async throws {
        try await LiveHub.withMCP { url, _ in
            let (status, body) = try await Self.post(url, token: nil)
            #expect(status == 401)
            #expect(body.contains("admin token"))
            let (wrong, _) = try await Self.post(url, token: "not-the-admin-token-but-long-enough-000000")
            #expect(wrong == 401)
            let (twinToken, _) = try await Self.post(url, token: nil, session: "0123")
            #expect(twinToken == 401)
        }
    }

    @Test(
        "with the token: SDK client over Streamable HTTP — calls, progress on each request's own stream, DELETE ends it"
    )
    func session() async throws {
        let engine = try LearningAggregationEngine(configuration: LearningEngineConfiguration(itemCount: 20, rank: 4))
        try await LiveHub.withMCP(engine: engine) { url, server in
            // No GET event stream is opened: progress must come on each request's own SSE stream.
            let transport = StreamableHTTPClientTransport(endpoint: url + "/mcp", bearer: LiveHub.adminToken)
            let client = Client(name: "hive-tests", version: "1")
            let progress = ProgressLog()
            await progress.attach(to: client)
            let info = try await client.connect(transport: transport)
            #expect(info.serverInfo.name == "hive-hub")
            let (tools, _) = try await client.listTools()
            #expect(tools.map(\.name) == HubToolsTests.names)
            let attached = try await client.ok("omega_init")
            #expect(attached["attachment"] == "running")
            #expect(attached["hubPublicKey"] == .string(server.core.identity.identity.publicKeyHex))
            #expect(try await client.ok("omega_stats")["counts"]?["twinsTotal"] == 0)
            let key = NodeIdentity.generate()
            try await client.ok(
                "omega_register_viewer",
                [
                    "viewerId": .string(try key.twin(forUser: "dana").twinID), "userId": "dana",
                    "publicKey": .string(key.publicKeyHex),
                ])
            let aggregateToken = ProgressToken.unique()
            try await client.ok("omega_aggregate", progress: aggregateToken)
            #expect(await progress.values(for: aggregateToken) == [0, 2])
            let token = ProgressToken.unique()
            let verified = try await client.ok("ledger_verify", progress: token)
            #expect(verified["ok"] == true && (verified["entries"]?.number ?? 0) >= 1)
            // On the request's stream, progress precedes the answer: all of it is here already.
            let values = await progress.values(for: token)
            #expect(values.first == 0 && values.last == verified["entries"]?.number)
            #expect(try await client.fails("omega_consensus", ["patternId": 5]).contains("patternId must be a string"))
            let session = try #require(await transport.session)
            await client.disconnect()
            // DELETE closed it: the id is unknown now.
            let (status, _) = try await Self.post(
                url, token: LiveHub.adminToken, session: session,
                body: #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
            #expect(status == 404)
        }
    }

    @Test("the session's GET event stream opens with the token and ends when the session is deleted")
    func eventStream() async throws {
        try await LiveHub.withMCP { url, _ in
            let transport = StreamableHTTPClientTransport(endpoint: url + "/mcp", bearer: LiveHub.adminToken)
            let client = Client(name: "hive-tests", version: "1")
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await transport.runEventStream()
                    return true
                }
                _ = try await client.connect(transport: transport)
                try await client.ok("omega_init")
                await client.disconnect()
                // The stream ends (returns) once DELETE terminated the session.
                #expect(try await group.next() == true)
            }
        }
    }
}
