import Foundation
import HiveCore
import HiveHub
import HiveLedger
import HiveTwin
import Synchronization
import Testing

/// Forwards to the real transport, records every request's path, and can rewrite `POST /sync`
/// answers (strip or tamper with the folded ledger check).
final class RecordingTransport: SyncTransport {
    enum Rewrite: Sendable {
        case none
        /// Removes `treeHead` and `consistency`, as a hub that predates `ledgerFrom` answers.
        case stripLedger
        /// Flips one hex digit of the folded consistency proof's first hash.
        case tamperConsistency
    }

    private let inner: HTTPSyncTransport
    private let state = Mutex<(paths: [String], rewrite: Rewrite)>(([], .none))

    init(hubURL: String) throws { inner = try HTTPSyncTransport(baseURL: hubURL) }

    var paths: [String] { state.withLock { $0.paths } }
    func reset(_ rewrite: Rewrite = .none) { state.withLock { $0 = ([], rewrite) } }

    func send(_ request: SyncHTTPRequest) async throws -> SyncHTTPResponse {
        let rewrite = state.withLock { s -> Rewrite in
            s.paths.append(String(request.path.prefix { $0 != "?" }))
            return s.rewrite
        }
        var response = try await inner.send(request)
        guard request.path == "/api/v1/sync", response.status == 200, case let mode = rewrite, mode != .none,
            var object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { return response }
        switch mode {
        case .stripLedger:
            object["treeHead"] = nil
            object["consistency"] = nil
        case .tamperConsistency:
            if var proof = object["consistency"] as? [String: Any], var path = proof["path"] as? [String], let first = path.first,
                let digit = first.first
            {
                path[0] = (digit == "0" ? "1" : "0") + first.dropFirst()
                proof["path"] = path
                object["consistency"] = proof
            }
        case .none: break
        }
        response.body = Array(try JSONSerialization.data(withJSONObject: object))
        return response
    }
}

@Suite("Sync round trips", .serialized)
struct SyncRoundTripTests {
    @Test("a round with a live token is two exchanges: pull with the ledger check, push with receipts and the pull")
    func twoExchanges() async throws {
        try await LiveHub.with { url, server in
            let transport = try RecordingTransport(hubURL: url)
            let twin = try await TestTwin.make(user: "trips", hubURL: url, transport: transport)
            try queuePatterns(twin, count: 3, prefix: "first")
            let first = try await twin.client.sync()
            #expect(first.accepted == 3 && first.receiptsVerified == 3)
            #expect(transport.paths == ["/api/v1/twins/challenge", "/api/v1/twins", "/api/v1/sync", "/api/v1/sync"])

            // Another twin grows the log, so the next round needs a consistency proof (folded in).
            let other = try await TestTwin.make(user: "trips-other", hubURL: url)
            try queuePatterns(other, count: 4, prefix: "other")
            _ = try await other.client.sync()

            transport.reset()
            try queuePatterns(twin, count: 2, prefix: "second")
            let second = try await twin.client.sync()
            #expect(second.accepted == 2 && second.receiptsVerified == 2 && second.pendingAfter == 0)
            #expect(transport.paths == ["/api/v1/sync", "/api/v1/sync"], "no registration, no separate ledger requests")
            let size = try await server.core.store.ledger.size()
            #expect(try LedgerWitness.treeHead(in: twin.store)?.treeSize == size)
            #expect(size == 9)

            // Nothing queued: one exchange.
            transport.reset()
            let idle = try await twin.client.sync()
            #expect(idle.accepted == 0)
            #expect(transport.paths == ["/api/v1/sync"])
        }
    }

    @Test("a hub that does not fold the ledger check is checked with GET /ledger/sth and proofs, as before")
    func olderHub() async throws {
        try await LiveHub.with { url, server in
            let transport = try RecordingTransport(hubURL: url)
            transport.reset(.stripLedger)
            let twin = try await TestTwin.make(user: "older", hubURL: url, transport: transport)
            try queuePatterns(twin, count: 3, prefix: "a")
            _ = try await twin.client.sync()
            let other = try await TestTwin.make(user: "older-other", hubURL: url)
            try queuePatterns(other, count: 2, prefix: "b")
            _ = try await other.client.sync()
            transport.reset(.stripLedger)
            try queuePatterns(twin, count: 2, prefix: "c")
            let report = try await twin.client.sync()
            #expect(report.receiptsVerified == 2 && report.pendingAfter == 0)
            #expect(transport.paths.contains("/api/v1/ledger/sth"))
            #expect(transport.paths.contains("/api/v1/ledger/proof/consistency"))
            #expect(try LedgerWitness.treeHead(in: twin.store)?.treeSize == (try await server.core.store.ledger.size()))
            #expect(try LedgerWitness.alarm(in: twin.store) == nil)
        }
    }

    @Test("a folded consistency proof that does not connect the heads stops the round before anything is pushed")
    func tamperedFoldedProof() async throws {
        try await LiveHub.with { url, server in
            let transport = try RecordingTransport(hubURL: url)
            let twin = try await TestTwin.make(user: "tamper", hubURL: url, transport: transport)
            try queuePatterns(twin, count: 3, prefix: "a")
            _ = try await twin.client.sync()
            let kept = try LedgerWitness.treeHead(in: twin.store)
            let other = try await TestTwin.make(user: "tamper-other", hubURL: url)
            try queuePatterns(other, count: 5, prefix: "b")
            _ = try await other.client.sync()

            transport.reset(.tamperConsistency)
            try queuePatterns(twin, count: 2, prefix: "c")
            await #expect(throws: HiveError.self) { try await twin.client.sync() }
            #expect(try LedgerWitness.alarm(in: twin.store)?.contains("split view") == true)
            #expect(try LedgerWitness.treeHead(in: twin.store) == kept, "the old head stays")
            #expect(try OfflineEnvelopeStore(store: twin.store).stats().pending == 2, "nothing was pushed")
            #expect(transport.paths == ["/api/v1/sync"])
            #expect(try await server.core.store.counts(nowMs: server.core.nowMs, activeWindowMs: 60_000).patternsReceived == 8)

            // An honest answer clears the alarm and delivers.
            transport.reset()
            let report = try await twin.client.sync()
            #expect(report.accepted == 2 && report.receiptsVerified == 2)
            #expect(try LedgerWitness.alarm(in: twin.store) == nil)
        }
    }
}
