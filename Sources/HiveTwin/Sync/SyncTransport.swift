/// One HTTP exchange of the Omega Sync Protocol, independent of the HTTP library, so tests can
/// wrap the real transport with faults (dropped connections, duplicates, reordering).
public protocol SyncTransport: Sendable {
    /// Sends `request` to the hub and returns its answer; throws when no answer arrived
    /// (connection refused or dropped, timeout).
    func send(_ request: SyncHTTPRequest) async throws -> SyncHTTPResponse
}

/// A request to the hub: method, path under the hub URL (e.g. `/api/v1/sync`), JSON body, bearer token.
public struct SyncHTTPRequest: Sendable, Hashable {
    public var method: String
    public var path: String
    public var body: [UInt8]?
    public var bearer: String?

    public init(method: String, path: String, body: [UInt8]? = nil, bearer: String? = nil) {
        self.method = method
        self.path = path
        self.body = body
        self.bearer = bearer
    }
}

/// The hub's answer: status code and body bytes.
public struct SyncHTTPResponse: Sendable, Hashable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}
