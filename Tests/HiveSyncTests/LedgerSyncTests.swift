import Foundation
import HiveCore
import HiveHub
import HiveLedger
import HiveTestSupport
import HiveTwin
import Testing

/// A hub sharing `source`'s key (its `node.key`) but with its own, fresh database.
func directorySharingKey(with source: String) throws -> String {
    let directory = try LiveHub.temporaryDirectory("fork")
    try FileManager.default.copyItem(atPath: source + "/node.key", toPath: directory + "/node.key")
    return directory
}

/// Copies a stopped hub's data directory (a backup).
func copyDirectory(_ source: String) throws -> String {
    let directory = try LiveHub.temporaryDirectory("backup")
    for name in try FileManager.default.contentsOfDirectory(atPath: source) {
        try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory + "/" + name)
    }
    return directory
}

@Suite("Twin side of the transparency ledger", .serialized)
struct LedgerSyncTests {
    @Test("checkExtends: a valid consistency proof passes; rollback, split view and bad proofs are named")
    func checkExtendsUnit() async throws {
        let signer = NodeIdentity.generate()
        let log = InMemoryLedgerStorage()
        _ = try await log.append((0..<5).map { Array("entry \($0)".utf8) })
        let five = try await log.signTreeHead(signer: signer, timestampMs: 1)
        _ = try await log.append((5..<13).map { Array("entry \($0)".utf8) })
        let thirteen = try await log.signTreeHead(signer: signer, timestampMs: 2)
        let proof = try await log.consistencyProof(firstSize: 5, secondSize: 13)
        try LedgerWitness.checkExtends(thirteen, from: five, proof: proof)
        try LedgerWitness.checkExtends(thirteen, from: thirteen, proof: nil)
        // Rollback.
        #expect { try LedgerWitness.checkExtends(five, from: thirteen, proof: nil) } throws: {
            ($0 as? HiveError)?.code == .inconsistent && ($0 as? HiveError)?.message.contains("rollback") == true
        }
        // A fork of the same size: another history with a different entry 3.
        let fork = InMemoryLedgerStorage()
        _ = try await fork.append((0..<13).map { Array(($0 == 3 ? "forged" : "entry \($0)").utf8) })
        let forked = try await fork.signTreeHead(signer: signer, timestampMs: 3)
        #expect { try LedgerWitness.checkExtends(forked, from: thirteen, proof: nil) } throws: {
            ($0 as? HiveError)?.message.contains("split view") == true
        }
        // A larger fork: its own (valid for it) proof does not connect to the kept head.
        _ = try await fork.append([Array("entry 13".utf8)])
        let forked14 = try await fork.signTreeHead(signer: signer, timestampMs: 4)
        let forkProof = try await fork.consistencyProof(firstSize: 5, secondSize: 14)
        #expect { try LedgerWitness.checkExtends(forked14, from: five, proof: forkProof) } throws: {
            ($0 as? HiveError)?.message.contains("split view") == true
        }
        // Missing, mismatched and bit-flipped proofs.
        #expect(throws: HiveError.self) { try LedgerWitness.checkExtends(thirteen, from: five, proof: nil) }
        let wrongSizes = ConsistencyProof(firstSize: 4, secondSize: 13, path: proof.path)
        #expect(throws: HiveError.self) { try LedgerWitness.checkExtends(thirteen, from: five, proof: wrongSizes) }
        for index in proof.path.indices {
            var path = proof.path
            path[index] = path[index].flippingBit(index % 256)
            #expect(throws: HiveError.self) {
                try LedgerWitness.checkExtends(thirteen, from: five, proof: ConsistencyProof(firstSize: 5, secondSize: 13, path: path))
            }
        }
    }

    @Test("every accepted envelope's receipt verifies and is kept; the twin's tree head follows the hub's log")
    func receipts() async throws {
        try await LiveHub.with { url, server in
            let twin = try await TestTwin.make(user: "receipts", hubURL: url)
            try queuePatterns(twin, count: 7, prefix: "r")
            try twin.shareSkill("trace-r", intent: "find a heist movie")
            let pushed = try OfflineEnvelopeStore(store: twin.store).pending(limit: 100).map(\.envelope)
            let report = try await twin.client.sync()
            #expect(report.accepted == 8)
            #expect(report.receiptsVerified == 8)
            #expect(report.receiptsMissing == 0)
            let size = try await server.core.store.ledger.size()
            #expect(report.treeSize == size)
            #expect(try LedgerWitness.treeHead(in: twin.store)?.treeSize == size)
            let receipts = try twin.client.witness.receipts()
            #expect(receipts.count == 8)
            // The twin's rebuilt entry is byte for byte the hub's (transport stamps re-signed, so
            // compare with the entry the hub stored at the receipt's index).
            for (id, receipt) in receipts {
                let stored = try await server.core.store.ledger.entries(in: receipt.leafIndex..<(receipt.leafIndex + 1))
                let entry = try HubLedgerEntry.decode(stored[0])
                #expect(entry.ref == id && entry.twin == twin.store.twinID)
            }
            if let envelope = pushed.first {
                #expect(try LedgerWitness.envelopeEntry(envelope, twinID: "t") == HubLedgerEntry.envelope(envelope, twinID: "t").encoded())
            }
            // A second sync with nothing to push keeps a consistent head (the log only grew).
            let again = try await twin.client.sync()
            #expect(again.treeSize >= size)
            #expect(try SyncState.load(from: twin.store).lastError == nil)
        }
    }

    @Test("a restored backup (rollback) and a second hub with the same key (split view) are refused; the old head stays")
    func forkedHubsRefused() async throws {
        let hubDirectory = try LiveHub.temporaryDirectory("hub")
        let transport = FaultyTransport(inner: nil)
        // Run 1: the twin sees the log at some size; the hub is then backed up.
        var hub = try await RunningHub.start(dataDirectory: hubDirectory)
        transport.setInner(try HTTPSyncTransport(baseURL: hub.url))
        let twin = try await TestTwin.make(user: "witness", hubURL: hub.url, transport: transport)
        try queuePatterns(twin, count: 3, prefix: "one")
        _ = try await twin.client.sync()
        await hub.stop()
        let backup = try copyDirectory(hubDirectory)
        // Run 2: the log grows; the twin keeps that head.
        hub = try await RunningHub.start(dataDirectory: hubDirectory)
        transport.setInner(try HTTPSyncTransport(baseURL: hub.url))
        try queuePatterns(twin, count: 4, prefix: "two")
        _ = try await twin.client.sync()
        let kept = try #require(try LedgerWitness.treeHead(in: twin.store))
        #expect(kept.treeSize == 7)
        await hub.stop()

        // The backup comes back (same key, shorter log): a rollback.
        let restored = try await RunningHub.start(dataDirectory: backup)
        transport.setInner(try HTTPSyncTransport(baseURL: restored.url))
        try queuePatterns(twin, count: 2, prefix: "three")
        await #expect { try await twin.client.sync() } throws: {
            ($0 as? HiveError)?.code == .inconsistent && ($0 as? HiveError)?.message.contains("rollback") == true
        }
        #expect(try LedgerWitness.treeHead(in: twin.store) == kept)
        #expect(try LedgerWitness.alarm(in: twin.store)?.contains("rollback") == true)
        #expect(try SyncState.load(from: twin.store).lastError?.hasPrefix("inconsistent: ledger rollback") == true)
        #expect(try OfflineEnvelopeStore(store: twin.store).stats().pending == 2, "nothing pushed to the refused hub")
        #expect(try await restored.server.core.store.twin(id: twin.store.twinID)?.acceptedCount == 3)
        await restored.stop()

        // A second hub with the same key and a longer, different history: a split view.
        let forkDirectory = try directorySharingKey(with: hubDirectory)
        let fork = try await RunningHub.start(dataDirectory: forkDirectory)
        let other = try await TestTwin.make(user: "other", hubURL: fork.url)
        try queuePatterns(other, count: 12, prefix: "fork")
        _ = try await other.client.sync()
        transport.setInner(try HTTPSyncTransport(baseURL: fork.url))
        await #expect { try await twin.client.sync() } throws: {
            ($0 as? HiveError)?.code == .inconsistent && ($0 as? HiveError)?.message.contains("split view") == true
        }
        #expect(try LedgerWitness.treeHead(in: twin.store) == kept)
        #expect(try LedgerWitness.alarm(in: twin.store)?.contains("split view") == true)
        #expect(try OfflineEnvelopeStore(store: twin.store).stats().pending == 2)
        await fork.stop()

        // The real hub again: consistent, the alarm clears and the queued envelopes go out.
        hub = try await RunningHub.start(dataDirectory: hubDirectory)
        transport.setInner(try HTTPSyncTransport(baseURL: hub.url))
        let report = try await twin.client.sync()
        #expect(report.accepted == 2 && report.receiptsVerified == 2)
        #expect(try LedgerWitness.alarm(in: twin.store) == nil)
        #expect(try SyncState.load(from: twin.store).lastError == nil)
        #expect(try LedgerWitness.treeHead(in: twin.store)?.treeSize == 9)
        await hub.stop()
    }

    @Test("a receipt that does not prove the twin's entry fails the round loudly; delivery still counts once")
    func tamperedReceipt() async throws {
        try await LiveHub.with { url, server in
            let transport = FaultyTransport(inner: try HTTPSyncTransport(baseURL: url))
            let twin = try await TestTwin.make(user: "tampered-receipt", hubURL: url, transport: transport)
            try queuePatterns(twin, count: 2, prefix: "x")
            transport.setTamper { response in
                var response = response
                let text = String(decoding: response.body, as: UTF8.self)
                // Point every receipt at another leaf.
                if text.contains("\"leaf_index\":0") {
                    response.body = Array(text.replacingOccurrences(of: "\"leaf_index\":0", with: "\"leaf_index\":1").utf8)
                } else if text.contains("\"leaf_index\":1") {
                    response.body = Array(text.replacingOccurrences(of: "\"leaf_index\":1", with: "\"leaf_index\":0").utf8)
                }
                return response
            }
            await #expect { try await twin.client.sync() } throws: { ($0 as? HiveError)?.message.contains("receipt") == true }
            #expect(try LedgerWitness.alarm(in: twin.store)?.contains("receipt") == true)
            #expect(try twin.client.witness.receiptCount() == 0)
            #expect(try OfflineEnvelopeStore(store: twin.store).stats().delivered == 2)
            transport.setTamper(nil)
            _ = try await twin.client.sync()
            #expect(try await server.core.store.twin(id: twin.store.twinID)?.acceptedCount == 2)
        }
    }
}
