import Foundation
import HiveCore
import Logging
import MCP
import Synchronization
import Testing

@testable import HiveMCP

/// An SDK `Client` connected to one of our tool servers through the SDK's in-memory transport pair.
struct MCPHarness {
    let client: Client
    let server: Server
    let progress: ProgressLog

    static func connect(name: String, instructions: String = "test", tools: [MCPTool]) async throws -> MCPHarness {
        let server = await ToolServer.make(name: name, instructions: instructions, tools: tools)
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverSide)
        let client = Client(name: "hive-tests", version: "1")
        let progress = ProgressLog()
        await progress.attach(to: client)
        _ = try await client.connect(transport: clientSide)
        return MCPHarness(client: client, server: server, progress: progress)
    }

    func close() async {
        await client.disconnect()
        await server.stop()
    }

    /// Calls `name`; with `token`, asks for progress notifications.
    func call(_ name: String, _ arguments: [String: Value] = [:], progress token: ProgressToken? = nil) async throws
        -> CallTool.Result
    {
        try await client.call(name, arguments, progress: token)
    }

    /// A call that must succeed; returns its structured content.
    @discardableResult
    func ok(
        _ name: String, _ arguments: [String: Value] = [:], progress token: ProgressToken? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Value {
        try await client.ok(name, arguments, progress: token, sourceLocation: sourceLocation)
    }

    /// A call that must fail as a tool error; returns its text.
    @discardableResult
    func fails(_ name: String, _ arguments: [String: Value] = [:], sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> String
    {
        try await client.fails(name, arguments, sourceLocation: sourceLocation)
    }
}

extension Client {
    func call(_ name: String, _ arguments: [String: Value] = [:], progress token: ProgressToken? = nil) async throws
        -> CallTool.Result
    {
        var meta: Metadata?
        if let token {
            var metadata = Metadata()
            metadata.progressToken = token
            meta = metadata
        }
        let context: RequestContext<CallTool.Result> = try callTool(name: name, arguments: arguments, meta: meta)
        return try await context.value
    }

    @discardableResult
    func ok(
        _ name: String, _ arguments: [String: Value] = [:], progress token: ProgressToken? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Value {
        let result = try await call(name, arguments, progress: token)
        #expect(result.isError != true, "\(name) failed: \(result.text)", sourceLocation: sourceLocation)
        let structured = try #require(
            result.structuredContent, "\(name) returned no structured content", sourceLocation: sourceLocation)
        // The text content is the same JSON, for clients that show text only.
        let fromText = try JSONDecoder().decode(Value.self, from: Data(result.text.utf8))
        #expect(fromText == structured, sourceLocation: sourceLocation)
        return structured
    }

    @discardableResult
    func fails(_ name: String, _ arguments: [String: Value] = [:], sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> String
    {
        let result = try await call(name, arguments)
        #expect(result.isError == true, "\(name) should have failed: \(result.text)", sourceLocation: sourceLocation)
        #expect(
            result.text.hasPrefix(name + ": "), "error text names the tool: \(result.text)",
            sourceLocation: sourceLocation)
        return result.text
    }
}

extension CallTool.Result {
    /// The concatenated text content.
    var text: String {
        content.compactMap {
            if case .text(let text, _, _) = $0 { return text }
            return nil
        }.joined()
    }
}

/// Progress notifications a client received, by token.
actor ProgressLog {
    private var entries: [(token: ProgressToken, progress: Double, total: Double?, message: String?)] = []

    nonisolated func attach(to client: Client) async {
        await client.onNotification(ProgressNotification.self) { [weak self] message in
            await self?.record(message.params)
        }
    }

    func record(_ params: ProgressNotification.Parameters) {
        entries.append((params.progressToken, params.progress, params.total, params.message))
    }

    func messages(for token: ProgressToken) -> [String] {
        entries.filter { $0.token == token }.compactMap(\.message)
    }

    func values(for token: ProgressToken) -> [Double] {
        entries.filter { $0.token == token }.map(\.progress)
    }

    /// Waits (briefly) until at least `count` notifications for `token` arrived: they travel
    /// independently of the response and may trail it.
    func wait(for token: ProgressToken, count: Int) async throws -> [Double] {
        for _ in 0..<200 where values(for: token).count < count { try await Task.sleep(for: .milliseconds(10)) }
        return values(for: token)
    }
}

extension Value {
    subscript(key: String) -> Value? { objectValue?[key] }
    subscript(index: Int) -> Value? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
    var number: Double? { doubleValue ?? intValue.map(Double.init) }
}

enum TestFiles {
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "hive-mcp-\(label)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
