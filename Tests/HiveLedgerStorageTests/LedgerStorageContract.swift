import Crypto
import Foundation
import HiveCore
import HiveLedger
import HiveLedgerStorage
import Testing

/// The behaviour every durable ledger store must have; each backend's suite runs all of it.
enum LedgerStorageContract {
    static let key = Ed25519TreeHeadSigner(Curve25519.Signing.PrivateKey())
    static var publicKey: [UInt8] { key.publicKeyBytes }

    static func entries(_ n: Int, seed: String = "e") -> [[UInt8]] {
        (0..<n).map { Array("\(seed)-\($0)-\(String(repeating: "x", count: $0 % 7))".utf8) }
    }

    static func appendsReadsAndProofs(_ h: LedgerHarness) async throws {
        let store = h.store
        #expect(try await store.size() == 0)
        #expect(try await store.rootHash(atSize: 0) == Merkle.emptyRoot)
        let all = entries(45) + [[]]  // an empty entry is a valid entry
        var tree = MerkleTree()
        for entry in all { tree.append(entry: entry) }
        var start = 0
        for batch in [1, 1, 2, 3, 8, 13, 18] {
            let range = try await store.append(Array(all[start..<(start + batch)]))
            #expect(range == UInt64(start)..<UInt64(start + batch))
            start += batch
        }
        #expect(try await store.size() == 46)
        #expect(try await store.entries(in: 0..<46) == all)
        #expect(try await store.entries(in: 10..<10) == [])
        #expect(try await store.leafHashes(in: 5..<20) == all[5..<20].map { Merkle.leafHash($0) })
        for n in [0, 1, 2, 3, 5, 8, 13, 16, 17, 31, 32, 33, 46] {
            #expect(try await store.rootHash(atSize: UInt64(n)) == tree.rootHash(atSize: UInt64(n)))
            for m in 0...n {
                if m < n {
                    let proof = try await store.inclusionProof(leafIndex: UInt64(m), treeSize: UInt64(n))
                    #expect(proof == (try tree.inclusionProof(leafIndex: UInt64(m), treeSize: UInt64(n))))
                }
                let consistency = try await store.consistencyProof(firstSize: UInt64(m), secondSize: UInt64(n))
                #expect(consistency == (try tree.consistencyProof(firstSize: UInt64(m), secondSize: UInt64(n))))
            }
        }
    }

    static func badInputChangesNothing(_ h: LedgerHarness) async throws {
        let store = h.store
        try await store.append(entries(3))
        let before = try await store.rootHash(atSize: 3)
        await expectError(.invalidInput) { try await store.append([]) }
        await expectError(.invalidInput) {
            try await store.append([[1], [UInt8](repeating: 7, count: LedgerLimits.maxEntryBytes + 1)])
        }
        await expectError(.notFound) { try await store.entries(in: 2..<4) }
        await expectError(.notFound) { try await store.leafHashes(in: 0..<UInt64.max) }
        await expectError(.notFound) { try await store.nodeHashes([NodeID(level: 2, index: 0)]) }
        await expectError(.invalidInput) { try await store.inclusionProof(leafIndex: 3, treeSize: 3) }
        await expectError(.notFound) { try await store.inclusionProof(leafIndex: 0, treeSize: 4) }
        await expectError(.notFound) { try await store.consistencyProof(firstSize: 1, secondSize: UInt64.max) }
        #expect(try await store.size() == 3)
        #expect(try await store.rootHash(atSize: 3) == before)
        #expect(try await store.treeHead(size: UInt64.max) == nil)
    }

    static func treeHeads(_ h: LedgerHarness) async throws {
        let store = h.store
        #expect(try await store.latestTreeHead() == nil)
        try await store.append(entries(9))
        let head9 = try await store.signTreeHead(signer: key, timestampMs: 1_000)
        #expect(head9.treeSize == 9)
        #expect(head9.rootHash == (try await store.rootHash(atSize: 9)))
        #expect(try await store.signTreeHead(signer: key, timestampMs: 5_000) == head9)
        #expect(try await store.treeHead(size: 9) == head9)
        try await store.storeTreeHead(head9)  // the identical head again: no-op

        let conflicting = try SignedTreeHead.sign(treeSize: 9, timestampMs: 1_001, rootHash: head9.rootHash, signer: key)
        await expectError(.duplicate) { try await store.storeTreeHead(conflicting) }
        let wrongRoot = try SignedTreeHead.sign(treeSize: 4, timestampMs: 500, rootHash: head9.rootHash, signer: key)
        await expectError(.inconsistent) { try await store.storeTreeHead(wrongRoot) }
        var forged = try SignedTreeHead.sign(treeSize: 4, timestampMs: 500, rootHash: try await store.rootHash(atSize: 4), signer: key)
        forged.timestampMs = 400
        await expectError(.badSignature) { try await store.storeTreeHead(forged) }
        let backwards = try SignedTreeHead.sign(treeSize: 4, timestampMs: 2_000, rootHash: try await store.rootHash(atSize: 4), signer: key)
        await expectError(.invalidInput) { try await store.storeTreeHead(backwards) }
        let beyond = try SignedTreeHead.sign(treeSize: 10, timestampMs: 2_000, rootHash: head9.rootHash, signer: key)
        await expectError(.invalidInput) { try await store.storeTreeHead(beyond) }

        let head4 = try SignedTreeHead.sign(treeSize: 4, timestampMs: 900, rootHash: try await store.rootHash(atSize: 4), signer: key)
        try await store.storeTreeHead(head4)
        try await store.append(entries(5, seed: "more"))
        let head14 = try await store.signTreeHead(signer: key, timestampMs: 3_000)
        #expect(try await store.latestTreeHead() == head14)
        #expect(try await store.treeHeads(sizes: 0..<UInt64.max) == [head4, head9, head14])
        #expect(try await store.treeHeads(sizes: 5..<14) == [head9])

        // What a twin does at sync: check the new head extends the one it kept.
        let proof = try await store.consistencyProof(firstSize: 9, secondSize: 14)
        #expect(proof.verify(firstRoot: head9.rootHash, secondRoot: head14.rootHash))
        // And the receipt it got for an entry.
        let receipt = try await store.inclusionReceipt(leafIndex: 11, treeHead: head14)
        #expect(receipt.verify(entry: entries(5, seed: "more")[2], publicKey: publicKey))
        #expect(try await h.verify(publicKey).treeHeads == 3)
    }

    static func rowsAreImmutable(_ h: LedgerHarness) async throws {
        try await h.store.append(entries(4))
        _ = try await h.store.signTreeHead(signer: key, timestampMs: 1)
        for sql in [
            "UPDATE ledger_entries SET data = \(h.blobLiteral([1, 2])) WHERE idx = 1",
            "DELETE FROM ledger_entries WHERE idx = 3",
            "UPDATE ledger_nodes SET hash = hash",
            "DELETE FROM ledger_nodes",
            "UPDATE ledger_tree_heads SET timestamp_ms = 2",
            "DELETE FROM ledger_tree_heads",
        ] {
            await #expect(throws: (any Error).self, "\(sql)") { try await h.execute(sql) }
        }
        #expect(try await h.store.entries(in: 0..<4) == entries(4))
        #expect(try await h.verify(nil).entries == 4)
    }

    static func hubTransactions(_ h: LedgerHarness) async throws {
        try await h.store.append(entries(2))
        await #expect(throws: HubWorkFailed.self) { try await h.appendInHubTransaction([[9], [8]], true) }
        #expect(try await h.store.size() == 2)
        let range = try await h.appendInHubTransaction([[9], [8], [7]], false)
        #expect(range == 2..<5)
        #expect(try await h.store.entries(in: 2..<5) == [[9], [8], [7]])
        #expect(try await h.verify(nil).entries == 5)
    }

    static func concurrentAppends(_ h: LedgerHarness) async throws {
        let store = h.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<6 {
                group.addTask {
                    for round in 0..<10 {
                        try await store.append(entries(1 + round % 3, seed: "w\(writer)r\(round)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.size() == 6 * 19)
        let report = try await h.verify(nil)
        #expect(report.entries == 114)
    }

    static func auditNamesAlteredEntry(_ h: LedgerHarness) async throws {
        let store = h.store
        for batch in 0..<6 {
            try await store.append(entries(50, seed: "b\(batch)"))
            _ = try await store.signTreeHead(signer: key, timestampMs: UInt64(batch))
        }
        let report = try await h.verify(publicKey)
        #expect(report.entries == 300)
        #expect(report.treeHeads == 6)
        #expect(report.interiorNodes == 300 - UInt64(300.nonzeroBitCount))

        try await h.dropTriggers()
        // An attacker rewrites entry 137's data only: named exactly.
        try await h.execute("UPDATE ledger_entries SET data = \(h.blobLiteral(Array("forged".utf8))) WHERE idx = 137")
        let error = await expectError(.inconsistent) { try await h.verify(publicKey) }
        #expect(error?.message.hasPrefix("entry 137 ") == true, "\(error?.message ?? "")")
    }

    static func auditCatchesConsistentRewrite(_ h: LedgerHarness) async throws {
        let store = h.store
        try await store.append(entries(64))
        _ = try await store.signTreeHead(signer: key, timestampMs: 1)
        try await h.dropTriggers()
        // Entry 42 rewritten together with its leaf hash: the stored subtree hashes give it away.
        let forged = Array("forged".utf8)
        try await h.execute("UPDATE ledger_entries SET data = \(h.blobLiteral(forged)), leaf_hash = \(h.blobLiteral(Merkle.leafHash(forged).bytes)) WHERE idx = 42")
        let error = await expectError(.inconsistent) { try await h.verify(nil) }
        #expect(error?.message.hasPrefix("entry 42 ") == true, "\(error?.message ?? "")")
        // A tree head whose signature was tampered with is refused too.
        try await h.execute("UPDATE ledger_entries SET data = \(h.blobLiteral(entries(64)[42])), leaf_hash = \(h.blobLiteral(Merkle.leafHash(entries(64)[42]).bytes)) WHERE idx = 42")
        #expect(try await h.verify(nil).entries == 64)
        try await h.execute("UPDATE ledger_tree_heads SET timestamp_ms = timestamp_ms + 1")
        await expectError(.badSignature) { try await h.verify(nil) }
    }

    static func auditCatchesTamperedSubtreeHash(_ h: LedgerHarness) async throws {
        let store = h.store
        let all = entries(100)
        try await store.append(all)
        // Proofs are served from the stored subtree hashes, so a forged one would make the hub
        // hand out proofs that do not verify; verify must catch it even though every entry and
        // leaf hash is intact. The subtree over entries 32..<48 (level 4, index 2):
        let node = NodeID(level: 4, index: 2)
        let forged = try await store.nodeHashes([node])[0].flippingBit(7)
        try await h.dropTriggers()
        try await h.execute("UPDATE ledger_nodes SET hash = \(h.blobLiteral(forged.bytes)) WHERE ord = \(node.interiorOrdinal)")
        #expect(try await store.nodeHashes([node]) == [forged])
        let error = await expectError(.inconsistent) { try await h.verify(nil) }
        #expect(error?.message.contains("32..<48") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("level 4") == true, "\(error?.message ?? "")")
        // The proofs that use it are wrong, which is why verify must check every stored node.
        var tree = MerkleTree()
        for entry in all { tree.append(entry: entry) }
        // (leaf 50's audit path has 32..<48 as its sibling at level 4.)
        let proof = try await store.inclusionProof(leafIndex: 50, treeSize: 100)
        #expect(!proof.verify(leafHash: Merkle.leafHash(all[50]), rootHash: tree.rootHash))
        // Putting the true hash back makes the log verify again.
        try await h.execute("UPDATE ledger_nodes SET hash = \(h.blobLiteral(forged.flippingBit(7).bytes)) WHERE ord = \(node.interiorOrdinal)")
        #expect(try await h.verify(nil).entries == 100)
    }

    @discardableResult
    static func expectError(
        _ code: HiveError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> some Any
    ) async -> HiveError? {
        do {
            _ = try await body()
            Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
            return nil
        } catch let error as HiveError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected HiveError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}
