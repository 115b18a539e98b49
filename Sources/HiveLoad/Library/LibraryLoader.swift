import Foundation
import HiveCore
import NIOCore

/// Pre-loads a ``SkillLibrary`` into a server through its own API before a timed phase: a Hive
/// hub by signed `POST /api/v1/sync` pushes (each twin's traces, up to ``hiveBatch`` envelopes per
/// request: verified and stored with their ledger entries like any push), the FastAPI anchor by one
/// `POST /skills` per trace (its only way in). Any trace not accepted is an error.
public enum LibraryLoader {
    /// Envelopes per sync push while loading (the hub takes up to 512 and 1 MiB per request).
    public static let hiveBatch = 200

    /// Publishes traces `0..<library.size`; returns the seconds it took.
    @discardableResult
    public static func load(
        _ library: SkillLibrary, sessions: LoadSessions, http: LoadHTTP, target: LoadTarget, factory: LoadRequestFactory,
        concurrency: Int
    ) async throws -> Double {
        let started = ContinuousClock.now
        guard library.size > 0 else { return 0 }
        // Work items: for the hub, one twin's chunk of traces; for the anchor, one trace.
        var chunks: [[Int]] = []
        switch target {
        case .hive:
            for twin in 0..<min(sessions.count, library.size) {
                let mine = Array(stride(from: twin, to: library.size, by: sessions.count))
                for start in stride(from: 0, to: mine.count, by: hiveBatch) {
                    chunks.append(Array(mine[start..<min(mine.count, start + hiveBatch)]))
                }
            }
        case .fastapi:
            chunks = (0..<library.size).map { [$0] }
        }
        let next = LoadCounter()
        let work = chunks
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    while true {
                        let index = next.next()
                        guard index < work.count else { return }
                        let chunk = work[index]
                        let twin = sessions.twins[chunk[0] % sessions.count]
                        switch target {
                        case .hive: try await pushHive(chunk, library: library, twin: twin, sessions: sessions, http: http, factory: factory)
                        case .fastapi: try await postAnchor(chunk[0], library: library, twin: twin, http: http, factory: factory)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func pushHive(
        _ chunk: [Int], library: SkillLibrary, twin: LoadTwin, sessions: LoadSessions, http: LoadHTTP, factory: LoadRequestFactory
    ) async throws {
        guard let token = sessions.token(twin.index) else { throw HiveError(.unauthorized, "twin \(twin.index) is not registered") }
        let envelopes = try chunk.map { index in
            try factory.signedSkill(try library.trace(index, twin: twin), twin: twin, sequence: sessions.nextSequence(twin.index))
        }
        let request = try OmegaSyncRequest(type: .push, envelopes: envelopes)
        let reply = try await http.send(.POST, "/api/v1/sync", bearer: token, body: Array(try HiveJSON.encode(request)))
        guard reply.status == 200 else {
            throw HiveError(.unavailable, "library load: hub answered \(reply.status): \(String(buffer: reply.body).prefix(300))")
        }
        let response = try LoadHTTP.decode(OmegaSyncResponse.self, reply)
        sessions.setToken(twin.index, response.accessToken, expiresAt: response.accessTokenExpiresAt)
        let accepted = response.results.filter { $0.status == .accepted }.count
        guard accepted == envelopes.count else {
            let reason = response.results.first { $0.status != .accepted }?.reason ?? "missing results"
            throw HiveError(.inconsistent, "library load: hub accepted \(accepted) of \(envelopes.count) traces (\(reason.prefix(200)))")
        }
    }

    static func postAnchor(_ index: Int, library: SkillLibrary, twin: LoadTwin, http: LoadHTTP, factory: LoadRequestFactory) async throws {
        let body = try factory.fastAPIBody(try library.trace(index, twin: twin), twin: twin)
        let reply = try await http.send(.POST, "/skills", body: body)
        guard reply.status == 201 || reply.status == 200 else {
            throw HiveError(.unavailable, "library load: anchor answered \(reply.status) for trace \(index)")
        }
    }
}

extension LibraryLoader {
    /// Searches library intent `k` once and checks the answer holds the pre-loaded traces it must
    /// (see ``LoadDriver``'s check). On a hub the first search after loading also brings the
    /// hub's in-memory skill index up to date, so give `http` a generous timeout.
    public static func probe(_ library: SkillLibrary, intent k: Int, target: LoadTarget, http: LoadHTTP, token: String?) async throws {
        let returned = try await search(SkillLibrary.intent(k), target: target, http: http, token: token)
        guard LoadDriver.check(returned, library: library, intent: k, limit: target == .hive ? LoadDriver.searchLimit : nil) else {
            throw HiveError(
                .inconsistent, "\(target.rawValue): search for intent \(k) did not return the traces it must (got \(returned.prefix(3).map(\.traceID)))")
        }
    }

    /// Publishes one trace with an intent nothing else has, then searches that intent: the answer
    /// must hold that trace (a publish is searchable as soon as it is acknowledged).
    public static func roundTrip(
        _ library: SkillLibrary, twin: LoadTwin, target: LoadTarget, http: LoadHTTP, sessions: LoadSessions, factory: LoadRequestFactory
    ) async throws {
        let intent = SkillLibrary.intent(library.intents + 1 + Int.random(in: 0..<1_000_000))
        let sequence = sessions.nextSequence(twin.index)
        let trace = try factory.skillTrace(twin, sequence: sequence, intent: intent)
        let token = sessions.token(twin.index)
        switch target {
        case .hive:
            let envelope = try factory.signedSkill(trace, twin: twin, sequence: sequence)
            let reply = try await http.send(.POST, "/api/v1/skills", bearer: token, body: Array(try HiveJSON.encode(envelope)))
            guard reply.status == 201 else { throw HiveError(.inconsistent, "hive: publish answered \(reply.status)") }
        case .fastapi:
            let reply = try await http.send(.POST, "/skills", body: try factory.fastAPIBody(trace, twin: twin))
            guard reply.status == 201 else { throw HiveError(.inconsistent, "fastapi: publish answered \(reply.status)") }
        }
        let returned = try await search(intent, target: target, http: http, token: token).map(\.traceID)
        guard returned.first == trace.traceID else {
            throw HiveError(
                .inconsistent, "\(target.rawValue): a trace just published was not the first answer to its exact intent (got \(returned.prefix(3)))")
        }
    }

    /// The traces a search answers (id and intent), in order.
    static func search(_ intent: String, target: LoadTarget, http: LoadHTTP, token: String?) async throws -> [LoadDriver.TraceIdentity] {
        switch target {
        case .hive:
            let reply = try await http.send(
                .GET, "/api/v1/skills?limit=\(LoadDriver.searchLimit)&intent=" + LoadDriver.queryEscape(intent), bearer: token)
            guard reply.status == 200 else { throw HiveError(.inconsistent, "hive: search answered \(reply.status)") }
            return try LoadHTTP.decode(LoadDriver.HiveSearchAnswer.self, reply).skills.map(\.trace)
        case .fastapi:
            let reply = try await http.send(.GET, "/skills?intent=" + LoadDriver.queryEscape(intent))
            guard reply.status == 200 else { throw HiveError(.inconsistent, "fastapi: search answered \(reply.status)") }
            return try LoadHTTP.decode(LoadDriver.AnchorSearchAnswer.self, reply).skills
        }
    }
}
