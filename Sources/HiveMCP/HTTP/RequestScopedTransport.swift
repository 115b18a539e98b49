import Foundation
import Logging
import MCP

/// The SDK's ``StatefulHTTPServerTransport`` with one change: a request that asks for progress
/// (a `progressToken` in its `_meta`) gets its progress notifications on its own SSE stream,
/// followed by its answer, as the Streamable HTTP specification describes for messages related to
/// a request.
///
/// SDK 0.12.1 sends every server-initiated message, progress included, on the session's GET
/// stream, so a client that has not opened that stream yet (most open it right after
/// `initialize`, asynchronously) misses them. Here those requests are answered from a stream this
/// wrapper feeds, in the order the server sends: progress, then the answer. The answer is still
/// handed to the SDK transport too, which then releases what it kept for the request. Everything
/// else — other requests, notifications, sessions, GET and DELETE — is the SDK's.
actor RequestScopedTransport: Transport, HTTPContextProviding {
    nonisolated let logger: Logger
    let inner: StatefulHTTPServerTransport
    private var incoming: AsyncThrowingStream<Data, any Error>?

    /// One routed request: its JSON-RPC id, progress token and answer stream.
    private struct Route {
        let id: Value
        let token: Value
        let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    }
    private var routes: [Route] = []

    init(_ inner: StatefulHTTPServerTransport) {
        self.inner = inner
        self.logger = inner.logger
    }

    func connect() async throws {
        try await inner.connect()
        incoming = await inner.receive()
    }

    func disconnect() async {
        for route in routes { route.continuation.finish() }
        routes.removeAll()
        await inner.disconnect()
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        // `Server.start` connects before it receives; an unconnected read ends at once.
        incoming ?? AsyncThrowingStream { $0.finish() }
    }

    func send(_ data: Data) async throws {
        if let message = try? JSONDecoder().decode([String: Value].self, from: data) {
            if message["method"]?.stringValue == ProgressNotification.name,
                let token = message["params"]?.objectValue?["progressToken"],
                let route = routes.first(where: { $0.token == token })
            {
                route.continuation.yield(Self.event(data))
                return
            }
            if message["method"] == nil, let id = message["id"], let index = routes.firstIndex(where: { $0.id == id }) {
                let route = routes.remove(at: index)
                route.continuation.yield(Self.event(data))
                route.continuation.finish()
            }
        }
        try await inner.send(data)
    }

    func httpRequestContext(for id: ID) async -> HTTPRequest? {
        await inner.httpRequestContext(for: id)
    }

    /// Handles one HTTP request of this session.
    func handleRequest(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method.uppercased() == "POST", let body = request.body,
            let message = try? JSONDecoder().decode([String: Value].self, from: body),
            message["method"]?.stringValue != nil, let id = message["id"],
            let token = message["params"]?.objectValue?["_meta"]?.objectValue?["progressToken"],
            !routes.contains(where: { $0.id == id || $0.token == token })
        else { return await inner.handleRequest(request) }
        // Routed before the SDK sees the request, so not even the first notification can miss it.
        let (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        routes.append(Route(id: id, token: token, continuation: continuation))
        let response = await inner.handleRequest(request)
        guard case .stream(_, let headers) = response else {
            routes.removeAll { $0.id == id }
            continuation.finish()
            return response
        }
        return .stream(stream, headers: headers)
    }

    /// One SSE `message` event (multi-line JSON split over `data:` lines, as SSE requires).
    static func event(_ data: Data) -> Data {
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return Data(("event: message\n" + lines.map { "data: \($0)\n" }.joined() + "\n").utf8)
    }
}
