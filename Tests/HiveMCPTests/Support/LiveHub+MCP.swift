import HiveHub
import HiveMCP
import HiveTestSupport

extension LiveHub {
    static let adminToken = "mcp-test-admin-token-0123456789abcdef0123"

    /// A live hub with `/mcp` mounted as `hive serve` mounts it, and ``adminToken`` as its admin token.
    static func withMCP<T: Sendable>(
        engine: (any AggregationEngine)? = nil, _ body: @Sendable (String, HubServer) async throws -> T
    ) async throws -> T {
        try await with(
            dataDirectory: try TestFiles.temporaryDirectory("hub"), engine: engine,
            configure: { $0.adminToken = adminToken },
            customize: { server in server.api.routeExtensions.append(HubMCPEndpoint(core: server.core).mount) },
            body)
    }
}
