import Foundation
import HiveCore
import MCP

/// One MCP tool: its name, what it does, its input declaration and the code that runs it.
/// `run` returns any `Encodable`; the server sends it both as `structuredContent` and as JSON text
/// (for clients that only show text).
public struct MCPTool: Sendable {
    public var name: String
    public var description: String
    public var input: ToolSchema
    public var annotations: Tool.Annotations
    public var run: @Sendable (ToolArguments, ToolContext) async throws -> any Encodable & Sendable

    public init(
        name: String, description: String, input: ToolSchema, annotations: Tool.Annotations = nil,
        run: @escaping @Sendable (ToolArguments, ToolContext) async throws -> any Encodable & Sendable
    ) {
        self.name = name
        self.description = description
        self.input = input
        self.annotations = annotations
        self.run = run
    }

    /// The `tools/list` entry.
    public var listing: Tool {
        Tool(name: name, description: description, inputSchema: input.jsonSchema, annotations: annotations)
    }
}

/// What a running tool may use besides its arguments: progress notifications to the caller.
public struct ToolContext: Sendable {
    let link: ServerLink
    let progressToken: ProgressToken?

    /// Sends `notifications/progress` when the caller asked for progress (a `progressToken` in the
    /// request's `_meta`); otherwise does nothing. A failure to notify never fails the tool.
    public func progress(_ done: Double, total: Double?, _ message: String) async {
        guard let progressToken, let server = link.server else { return }
        try? await server.notify(
            ProgressNotification.message(
                .init(progressToken: progressToken, progress: done, total: total, message: message)))
    }

    /// Runs `body`, forwarding the progress it reports from synchronous code (a callback that
    /// cannot await) as notifications. Both run as child tasks of one group: when `body` returns
    /// the forwarder drains and ends, so no notification outlives the call.
    public func forwardingProgress<T: Sendable>(
        total: Double?, describe: @escaping @Sendable (Double) -> String,
        _ body: @escaping @Sendable (@escaping @Sendable (Double) -> Void) async throws -> T
    ) async throws -> T {
        let (stream, continuation) = AsyncStream<Double>.makeStream(bufferingPolicy: .bufferingNewest(1))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                for await done in stream { await progress(done, total: total, describe(done)) }
                return nil
            }
            group.addTask {
                defer { continuation.finish() }
                return try await body { continuation.yield($0) }
            }
            var result: T?
            for try await value in group where value != nil { result = value }
            guard let result else { throw HiveError(.inconsistent, "the operation ended without a result") }
            return result
        }
    }
}

/// The server a tool reports progress through, held weakly: tools are registered on the server
/// they notify, and a strong reference would keep a closed HTTP session's server alive.
final class ServerLink: Sendable {
    weak let server: Server?
    init(_ server: Server) { self.server = server }
}
