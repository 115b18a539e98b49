import Foundation
import HiveCore
import HiveHub
import MCP

/// Serves a set of ``MCPTool``s on an MCP `Server`: `tools/list` and `tools/call`.
///
/// Errors reach the client as MCP errors that name the problem:
/// - an unknown tool name is a protocol error (JSON-RPC invalid params, as the MCP specification
///   prescribes), listing the tools this server has;
/// - arguments that do not match the tool's schema, and failures while running it (a call before
///   `viewer_init`, an unknown id, a hub that is unreachable), are tool errors — a result with
///   `isError: true` and a one-line text naming the tool, the argument or record, and the reason —
///   so the model calling the tool can read the text and correct itself.
public enum ToolServer {
    /// The MCP protocol name and version this build announces.
    public static let serverVersion = HiveVersion.current

    /// A server named `name` with `tools` registered (not started).
    public static func make(name: String, instructions: String, tools: [MCPTool]) async -> Server {
        let server = Server(
            name: name, version: serverVersion, instructions: instructions,
            capabilities: .init(tools: .init(listChanged: false)))
        await register(tools, on: server)
        return server
    }

    /// Registers the `tools/list` and `tools/call` handlers for `tools` on `server`.
    public static func register(_ tools: [MCPTool], on server: Server) async {
        let byName = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let listing = tools.map(\.listing)
        let link = ServerLink(server)
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: listing) }
        await server.withMethodHandler(CallTool.self) { params in
            guard let tool = byName[params.name] else {
                throw MCPError.invalidParams(
                    "unknown tool \"\(params.name.prefix(64))\"; this server has: \(tools.map(\.name).joined(separator: ", "))"
                )
            }
            return await call(
                tool, arguments: params.arguments,
                context: ToolContext(link: link, progressToken: params._meta?.progressToken))
        }
    }

    /// Runs one tool and shapes its answer or its failure.
    static func call(_ tool: MCPTool, arguments: [String: Value]?, context: ToolContext) async -> CallTool.Result {
        do {
            let validated = try ToolArguments.validated(arguments, schema: tool.input)
            let output = try await tool.run(validated, context)
            let data = try HiveJSON.encode(output)
            let structured = try JSONDecoder().decode(Value.self, from: data)
            return CallTool.Result(
                content: [.text(String(decoding: data, as: UTF8.self))], structuredContent: Value?.some(structured),
                isError: false)
        } catch {
            return failure(tool.name, error)
        }
    }

    /// A tool error whose text names the tool and the problem.
    static func failure(_ tool: String, _ error: any Error) -> CallTool.Result {
        let text: String
        switch error {
        case let error as ToolInputError: text = "\(tool): invalid arguments: \(error.message)"
        case let error as HiveError: text = "\(tool): \(error.code): \(error.message)"
        case let problem as Problem: text = "\(tool): \(problem.type.slug): \(problem.detail)"
        case is CancellationError: text = "\(tool): cancelled"
        default: text = "\(tool): \(HiveJSON.describe(error))"
        }
        return CallTool.Result(
            content: [.text(text)], structuredContent: .object(["error": .string(text)]), isError: true)
    }
}
