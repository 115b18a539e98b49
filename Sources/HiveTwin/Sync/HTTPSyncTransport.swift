import AsyncHTTPClient
import Foundation
import HiveCore
import NIOCore
import NIOHTTP1

/// ``SyncTransport`` over async-http-client (HTTP/1.1, or HTTP/2 over TLS when the hub offers it).
public struct HTTPSyncTransport: SyncTransport {
    /// The hub's base URL, e.g. `http://127.0.0.1:8433` (no trailing slash).
    public let baseURL: String
    /// Per-request deadline.
    public let timeout: TimeAmount
    /// Largest accepted response body.
    public let maxResponseBytes: Int
    private let client: HTTPClient

    /// Uses `HTTPClient.shared` unless a client is given (the caller then owns its shutdown).
    public init(baseURL: String, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(30), maxResponseBytes: Int = 64 << 20)
        throws
    {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw HiveError(.invalidInput, "hub URL must be http(s)://host[:port], got \(baseURL.prefix(200))")
        }
        self.baseURL = base
        self.client = client
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    public func send(_ request: SyncHTTPRequest) async throws -> SyncHTTPResponse {
        var http = HTTPClientRequest(url: baseURL + request.path)
        http.method = HTTPMethod(rawValue: request.method)
        http.headers.add(name: "Accept", value: "application/json")
        if let bearer = request.bearer { http.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(http, timeout: timeout)
        let buffer = try await response.body.collect(upTo: maxResponseBytes)
        return SyncHTTPResponse(status: Int(response.status.code), body: Array(buffer.readableBytesView))
    }
}
