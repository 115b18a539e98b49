import Foundation
import HiveCore
import NIOCore
import Testing

@testable import HiveLoad

/// Pushes signed before the timed phase must be exactly what the hot path sends: one genuinely
/// signed, unique pattern envelope per push index, by the twin the index selects.
@Suite("Prepared pushes")
struct PreparedPushesTests {
    static func sessions(_ count: Int) throws -> LoadSessions {
        LoadSessions(twins: try (0..<count).map { try LoadTwin(index: $0, identity: .generate()) })
    }

    @Test("every push index gets a verifiable, unique envelope by twin index mod N; other indexes get none")
    func preparedBodies() async throws {
        let sessions = try Self.sessions(7)
        let mix = try LoadMix(parsing: "push=0.7,pull=0.3")
        let factory = LoadRequestFactory(runID: "test")
        let prepared = try await PreparedPushes(count: 200, mix: mix, sessions: sessions, factory: factory, workers: 3)
        #expect(prepared.count == 200)
        var ids = Set<String>()
        var pushes = 0
        for index in 0..<200 {
            guard mix.operation(for: index) == .push else {
                #expect(prepared[index] == nil)
                continue
            }
            pushes += 1
            let push = try #require(prepared[index])
            let request = try HiveJSON.decode(OmegaSyncRequest.self, from: Data(push.body.readableBytesView))
            #expect(request.type == .push && request.envelopes.count == 1)
            let envelope = try #require(request.envelopes.first)
            try envelope.verify(knownKinds: [.pattern])
            #expect(envelope.id == push.envelopeID)
            let twin = sessions.twins[index % 7]
            #expect(envelope.signer == twin.identity.publicKey)
            #expect(envelope.stamp.nodeID == twin.identity.nodeID)
            let pattern = try envelope.decodePayload(as: Pattern.self)
            #expect(pattern.id == "lt-test-\(index % 7)-\(index + 1)")
            ids.insert(envelope.id)
        }
        #expect(pushes > 100 && ids.count == pushes && prepared.ready == pushes)
        #expect(prepared[200] == nil && prepared[-1] == nil)
        // The hot path (no prepared body) builds the same request for the same index.
        let index = try #require((0..<200).first { mix.operation(for: $0) == .push })
        let again = try PreparedPushes.push(index: index, sessions: sessions, factory: factory)
        let decoded = try HiveJSON.decode(OmegaSyncRequest.self, from: Data(again.body.readableBytesView))
        #expect(try decoded.envelopes[0].decodePayload(as: Pattern.self).id == "lt-test-\(index % 7)-\(index + 1)")
        try decoded.envelopes[0].verify(knownKinds: [.pattern])
    }

    @Test("the hand-written pull body decodes to the OmegaSyncRequest it stands for")
    func pullBody() throws {
        for since: Int64 in [0, 1, 42, 9_007_199_254_740_993, Int64.max] {
            let body = LoadDriver.pullBody(since: since)
            let decoded = try HiveJSON.decode(OmegaSyncRequest.self, from: Array(body.utf8))
            #expect(decoded == (try OmegaSyncRequest(type: .pull, since: since, maxPullCount: 20)))
        }
    }

    @Test("a pull-only mix prepares nothing")
    func pullOnly() async throws {
        let prepared = try await PreparedPushes(
            count: 50, mix: try LoadMix(parsing: "pull=1"), sessions: try Self.sessions(3), factory: LoadRequestFactory())
        #expect(prepared.ready == 0)
    }
}
