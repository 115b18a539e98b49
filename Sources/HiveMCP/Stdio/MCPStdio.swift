import Foundation
import HiveCore
import Logging
import MCP

/// Serving MCP over stdin/stdout (what Claude Desktop and most MCP clients launch).
public enum MCPStdio {
    /// Serves `tools` until the client closes stdin (or the calling task is cancelled). The SDK's
    /// `Server` reads the transport in a task of its own; this awaits that task to its end, so the
    /// call returns only when serving is over.
    public static func serve(name: String, instructions: String, tools: [MCPTool], logger: Logger) async throws {
        let server = await ToolServer.make(name: name, instructions: instructions, tools: tools)
        let transport = StdioTransport(logger: logger)
        try await server.start(transport: transport)
        // Two children: the end of serving (stdin closed) and this task's cancellation. Whichever
        // comes first stops the server, which also ends the other; nothing outlives the call.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await server.waitUntilCompleted() }
            group.addTask {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
            }
            await group.next()
            await server.stop()
            group.cancelAll()
        }
    }

    /// Relays stdio to a remote MCP endpoint (a hub's `/mcp`): every message read from stdin is
    /// POSTed, every message the endpoint answers or pushes is written to stdout, until stdin
    /// closes. Each POST runs as a child task, so a long tool call does not hold up the messages
    /// behind it (a cancellation, a second call). A request the endpoint refuses (401, unreachable)
    /// is answered on stdout with a JSON-RPC error naming the reason, so the client never waits.
    public static func bridge(to remote: StreamableHTTPClientTransport, logger: Logger) async throws {
        let local = StdioTransport(logger: logger)
        try await local.connect()
        try await remote.connect()
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Endpoint → stdout: answers to POSTs and the GET stream's messages.
            group.addTask {
                for try await message in await remote.receive() { try await local.send(message) }
            }
            group.addTask {
                do {
                    try await remote.runEventStream()
                } catch is CancellationError {
                } catch {
                    logger.warning("hub event stream ended", metadata: ["error": "\(HiveJSON.describe(error))"])
                }
            }
            // stdin → endpoint, one child task per message, until stdin closes.
            try await withThrowingTaskGroup(of: Void.self) { sends in
                for try await message in await local.receive() {
                    sends.addTask {
                        do {
                            try await remote.send(message)
                        } catch {
                            guard let reply = errorReply(to: message, error) else { throw error }
                            try await local.send(reply)
                        }
                    }
                }
                try await sends.waitForAll()
            }
            // stdin closed: end the session (DELETE), which ends the receive loop and the event stream.
            await remote.disconnect()
            group.cancelAll()
        }
        await local.disconnect()
    }

    /// A JSON-RPC error answering `message` (nil for notifications, which get no answer).
    static func errorReply(to message: Data, _ error: any Error) -> Data? {
        guard let request = try? JSONDecoder().decode([String: Value].self, from: message), let id = request["id"]
        else { return nil }
        let reply: Value = [
            "jsonrpc": "2.0", "id": id,
            "error": ["code": -32603, "message": .string("hub endpoint: \(HiveJSON.describe(error))")],
        ]
        return try? JSONEncoder().encode(reply)
    }
}
