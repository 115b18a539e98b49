import AsyncHTTPClient
import Foundation
import HiveCore
import NIOCore
import NIOHTTP1

/// The load generator's HTTP side: one async-http-client whose pool holds at most
/// `connections` HTTP/1.1 connections to the target (requests beyond that queue in the pool).
public final class LoadHTTP: Sendable {
    public let baseURL: String
    let client: HTTPClient
    let timeout: TimeAmount

    /// A response: status and body bytes.
    public struct Reply: Sendable {
        public var status: Int
        public var body: ByteBuffer
    }

    public init(baseURL: String, connections: Int, timeout: TimeAmount = .seconds(30), connectTimeout: TimeAmount = .seconds(30)) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, connections)
        configuration.connectionPool.idleTimeout = .seconds(120)
        // Long enough to ride out a hub restart (the chaos test): connection attempts are retried until then.
        configuration.timeout.connect = connectTimeout
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    /// Sends one request; the body (if any) is JSON.
    public func send(_ method: HTTPMethod, _ path: String, bearer: String? = nil, body: [UInt8]? = nil) async throws -> Reply {
        try await send(method, path, bearer: bearer, buffer: body.map { ByteBuffer(bytes: $0) })
    }

    /// Sends one request whose JSON body (if any) is already in a buffer (prepared requests).
    public func send(_ method: HTTPMethod, _ path: String, bearer: String? = nil, buffer: ByteBuffer?) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let buffer {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(buffer)
        }
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), body: buffer)
    }

    /// Decodes a JSON reply body.
    public static func decode<T: Decodable>(_ type: T.Type, _ reply: Reply) throws -> T {
        try HiveJSON.decode(type, from: Data(reply.body.readableBytesView))
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
