import AsyncHTTPClient
import Foundation
import HiveCore
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// An MCP client transport for Streamable HTTP, on AsyncHTTPClient.
///
/// Why not the SDK's `HTTPClientTransport`: in 0.12.1 it cannot read Server-Sent Events on Linux
/// (it warns "SSE responses aren't fully supported on Linux" and hands the raw event text to the
/// client as if it were a JSON message), and a Streamable HTTP server — the SDK's own stateful
/// transport included — answers every request as an SSE stream. This transport implements the
/// SDK's `Transport` protocol and parses SSE itself.
///
/// - `send` POSTs one message; a JSON answer or each SSE `message` event of the answer stream is
///   delivered through ``receive()``. A non-2xx answer throws, naming the status and the body
///   (the hub's problem+json for 401/413).
/// - Server-initiated messages not tied to a request come on the session's GET stream, which
///   ``runEventStream()`` reads; run it as a child task beside the client and cancel it when done.
///   (Hive's hub sends a request's progress on that request's own stream.)
public actor StreamableHTTPClientTransport: Transport {
    public nonisolated let logger: Logger
    public nonisolated let endpoint: String
    private let bearer: String?
    private let client: HTTPClient
    private var sessionID: String?
    private var protocolVersion: String?
    private let incoming: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation

    /// A transport for the endpoint at `endpoint` (e.g. `http://127.0.0.1:8433/mcp`), sending
    /// `Authorization: Bearer <bearer>` when given.
    public init(endpoint: String, bearer: String?, client: HTTPClient = .shared, logger: Logger? = nil) {
        self.endpoint = endpoint
        self.bearer = bearer
        self.client = client
        self.logger = logger ?? Logger(label: "hive.mcp.http-client", factory: { _ in SwiftLogNoOpLogHandler() })
        (incoming, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    /// The session the server assigned at `initialize`.
    public var session: String? { sessionID }

    public func connect() async throws {}

    /// Ends the session on the server (DELETE) and finishes ``receive()``.
    public func disconnect() async {
        if let sessionID {
            var request = makeRequest(method: .DELETE)
            request.headers.replaceOrAdd(name: HTTPHeaderName.sessionID, value: sessionID)
            _ = try? await client.execute(request, timeout: .seconds(5))
        }
        sessionID = nil
        continuation.finish()
    }

    public func receive() -> AsyncThrowingStream<Data, any Error> { incoming }

    public func send(_ data: Data) async throws {
        var request = makeRequest(method: .POST)
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: data))
        rememberProtocolVersion(from: data)
        let response = try await client.execute(request, timeout: .seconds(3_600))
        if let id = response.headers.first(name: HTTPHeaderName.sessionID) { sessionID = id }
        guard (200..<300).contains(response.status.code) else {
            let body = try await response.body.collect(upTo: 64 * 1024)
            throw HiveError(
                response.status.code == 401 ? .unauthorized : .unavailable,
                "\(endpoint) answered \(response.status.code): \(String(buffer: body).prefix(300))")
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if contentType.hasPrefix("text/event-stream") {
            try await deliverEvents(of: response.body)
        } else if contentType.hasPrefix("application/json") {
            let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
            continuation.yield(Data(buffer: body))
        }
    }

    /// Reads the session's GET stream (server-initiated messages) until it ends or the task is
    /// cancelled. Waits for the session id first (it arrives with the `initialize` answer).
    public func runEventStream() async throws {
        while sessionID == nil { try await Task.sleep(for: .milliseconds(10)) }
        var request = makeRequest(method: .GET)
        if let sessionID { request.headers.replaceOrAdd(name: HTTPHeaderName.sessionID, value: sessionID) }
        let response = try await client.execute(request, timeout: .hours(24))
        guard response.status == .ok else {
            throw HiveError(.unavailable, "\(endpoint) refused the event stream: \(response.status.code)")
        }
        try await deliverEvents(of: response.body)
    }

    private func makeRequest(method: HTTPMethod) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint)
        request.method = method
        request.headers.add(
            name: "Accept", value: method == .GET ? "text/event-stream" : "application/json, text/event-stream")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let sessionID { request.headers.add(name: HTTPHeaderName.sessionID, value: sessionID) }
        if let protocolVersion { request.headers.add(name: HTTPHeaderName.protocolVersion, value: protocolVersion) }
        return request
    }

    /// After `initialize`, later requests carry the protocol version the client asked for.
    private func rememberProtocolVersion(from data: Data) {
        guard protocolVersion == nil,
            let message = try? JSONDecoder().decode([String: Value].self, from: data),
            message["method"]?.stringValue == "initialize",
            let version = message["params"]?.objectValue?["protocolVersion"]?.stringValue
        else { return }
        protocolVersion = version
    }

    /// Parses an SSE body and yields the data of each `message` event.
    private func deliverEvents(of body: HTTPClientResponse.Body) async throws {
        var parser = ServerSentEvents()
        for try await chunk in body {
            for event in parser.feed(Array(chunk.readableBytesView)) where !event.isEmpty {
                continuation.yield(Data(event))
            }
        }
        for event in parser.finish() where !event.isEmpty { continuation.yield(Data(event)) }
    }
}

/// An incremental `text/event-stream` parser: feeds bytes, returns the `data` of each completed
/// `message` event (multi-line data joined with newlines; comments and other event types skipped).
struct ServerSentEvents {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType = ""

    mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        var events: [[UInt8]] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if let event = process(line) { events.append(event) }
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
            }
        }
        return events
    }

    mutating func finish() -> [[UInt8]] {
        var events: [[UInt8]] = []
        if !line.isEmpty, let event = process(line) { events.append(event) }
        if let event = process([]) { events.append(event) }
        return events
    }

    /// One line; a blank line dispatches the pending event.
    private mutating func process(_ line: [UInt8]) -> [UInt8]? {
        if line.isEmpty {
            defer {
                data.removeAll(keepingCapacity: true)
                hasData = false
                eventType = ""
            }
            guard hasData, eventType.isEmpty || eventType == "message" else { return nil }
            return data
        }
        if line.first == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = String(decoding: line[..<colon], as: UTF8.self)
        var value = colon < line.endIndex ? Array(line[(colon + 1)...]) : []
        if value.first == UInt8(ascii: " ") { value.removeFirst() }
        switch field {
        case "data":
            if hasData { data.append(UInt8(ascii: "\n")) }
            data += value
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }
}
