import Foundation
import HiveCore
import HiveHub
import Synchronization

/// Registers twins through the hub's real API (`POST /twins/challenge`, then `POST /twins`
/// signed over the challenge), `concurrency` at a time.
public struct LoadRegistrar: Sendable {
    public let http: LoadHTTP
    public let concurrency: Int

    /// What `GET /api/v1/hub` tells the load generator.
    public struct HubInfo: Codable, Sendable {
        public var publicKey: String
        public var nodeID: String
        public var tokenTTLSeconds: Int?
        public var rateLimitPerMinute: Int?
    }

    public init(http: LoadHTTP, concurrency: Int) {
        self.http = http
        self.concurrency = max(1, concurrency)
    }

    /// The hub's public key (checked against its node id).
    public func hubInfo() async throws -> HubInfo {
        let reply = try await http.send(.GET, "/api/v1/hub")
        guard reply.status == 200 else { throw HiveError(.unavailable, "GET /api/v1/hub answered \(reply.status)") }
        let info = try LoadHTTP.decode(HubInfo.self, reply)
        guard let key = Hex.decode(info.publicKey), key.count == 32, NodeIdentity.nodeID(forPublicKey: key) == info.nodeID else {
            throw HiveError(.malformed, "the hub's public key and node id do not match")
        }
        return info
    }

    /// Registers the twins at `indexes`, storing their tokens in `sessions`. Calls `progress` with
    /// the number done so far now and then. Throws on the first failure (naming the twin and status).
    public func register(
        _ indexes: [Int], sessions: LoadSessions, progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let next = LoadCounter()
        let done = LoadCounter()
        let step = max(1, indexes.count / 20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<min(concurrency, indexes.count) {
                group.addTask {
                    while true {
                        let position = next.next()
                        guard position < indexes.count else { return }
                        try await registerOne(sessions.twins[indexes[position]], sessions: sessions)
                        let count = done.next() + 1
                        if count % step == 0 { progress(count) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    func registerOne(_ twin: LoadTwin, sessions: LoadSessions) async throws {
        let challengeReply = try await http.send(.POST, "/api/v1/twins/challenge")
        guard challengeReply.status == 201 else {
            throw HiveError(.unavailable, "POST /twins/challenge answered \(challengeReply.status): \(Self.snippet(challengeReply))")
        }
        let challenge = try LoadHTTP.decode(Registration.Challenge.self, challengeReply)
        let request = try Registration.Request.signed(identity: twin.identity, userID: twin.userID, challenge: challenge.challenge)
        let reply = try await http.send(.POST, "/api/v1/twins", body: Array(try HiveJSON.encode(request)))
        guard reply.status == 201 else {
            throw HiveError(.unavailable, "registering twin \(twin.index) answered \(reply.status): \(Self.snippet(reply))")
        }
        let response = try LoadHTTP.decode(Registration.Response.self, reply)
        guard response.twinID == twin.twinID else {
            throw HiveError(.inconsistent, "hub registered twin \(twin.index) as \(response.twinID), expected \(twin.twinID)")
        }
        sessions.setToken(twin.index, response.accessToken, expiresAt: response.accessTokenExpiresAt)
    }

    static func snippet(_ reply: LoadHTTP.Reply) -> String {
        String(decoding: reply.body.readableBytesView.prefix(300), as: UTF8.self)
    }
}
