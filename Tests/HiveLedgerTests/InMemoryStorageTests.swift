import Crypto
import HiveCore
import Testing
@testable import HiveLedger

@Suite("In-memory storage and the auditor")
struct InMemoryStorageTests {
    let key = Ed25519TreeHeadSigner(Curve25519.Signing.PrivateKey())

    @Test("batched appends get consecutive indices; proofs from storage equal the reference")
    func appendsAndProofs() async throws {
        let storage = InMemoryLedgerStorage()
        let entries = Reference.entries(40)
        var tree = MerkleTree()
        var start = 0
        for batch in [1, 2, 5, 13, 19] {
            let range = try await storage.append(Array(entries[start..<(start + batch)]))
            #expect(range == UInt64(start)..<UInt64(start + batch))
            start += batch
        }
        for entry in entries { tree.append(entry: entry) }
        #expect(try await storage.size() == 40)
        #expect(try await storage.entries(in: 3..<9) == Array(entries[3..<9]))
        #expect(try await storage.rootHash(atSize: 40) == tree.rootHash)
        for n in [1, 7, 16, 33, 40] {
            for m in 0..<n {
                #expect(try await storage.inclusionProof(leafIndex: UInt64(m), treeSize: UInt64(n))
                    == tree.inclusionProof(leafIndex: UInt64(m), treeSize: UInt64(n)))
                #expect(try await storage.consistencyProof(firstSize: UInt64(m), secondSize: UInt64(n))
                    == tree.consistencyProof(firstSize: UInt64(m), secondSize: UInt64(n)))
            }
        }
    }

    @Test("bad appends and reads are refused and change nothing")
    func badInput() async throws {
        let storage = InMemoryLedgerStorage()
        try await storage.append([[1], [2]])
        await #expect(throws: HiveError.self) { try await storage.append([]) }
        await #expect(throws: HiveError.self) { try await storage.append([[1], [UInt8](repeating: 0, count: LedgerLimits.maxEntryBytes + 1)]) }
        await #expect(throws: HiveError.self) { try await storage.entries(in: 1..<3) }
        await #expect(throws: HiveError.self) { try await storage.leafHashes(in: 0..<UInt64.max) }
        await #expect(throws: HiveError.self) { try await storage.nodeHashes([NodeID(level: 1, index: 1)]) }
        #expect(try await storage.size() == 2)
    }

    @Test("tree heads: wrong root, bad signature, time going backwards and conflicting heads are refused")
    func headRules() async throws {
        let storage = InMemoryLedgerStorage()
        try await storage.append(Reference.entries(5))
        let root = try await storage.rootHash(atSize: 5)
        let wrong = try SignedTreeHead.sign(treeSize: 5, timestampMs: 10, rootHash: Merkle.emptyRoot, signer: key)
        await #expect(throws: HiveError.self) { try await storage.storeTreeHead(wrong) }
        var forged = try SignedTreeHead.sign(treeSize: 5, timestampMs: 10, rootHash: root, signer: key)
        forged.timestampMs = 11
        await #expect(throws: HiveError.self) { try await storage.storeTreeHead(forged) }
        let good = try SignedTreeHead.sign(treeSize: 5, timestampMs: 10, rootHash: root, signer: key)
        try await storage.storeTreeHead(good)
        try await storage.storeTreeHead(good)  // idempotent
        let conflicting = try SignedTreeHead.sign(treeSize: 5, timestampMs: 12, rootHash: root, signer: key)
        await #expect(throws: HiveError.self) { try await storage.storeTreeHead(conflicting) }
        let earlier = try SignedTreeHead.sign(treeSize: 3, timestampMs: 11, rootHash: try await storage.rootHash(atSize: 3), signer: key)
        await #expect(throws: HiveError.self) { try await storage.storeTreeHead(earlier) }
        let beyond = try SignedTreeHead.sign(treeSize: 6, timestampMs: 20, rootHash: root, signer: key)
        await #expect(throws: HiveError.self) { try await storage.storeTreeHead(beyond) }
        #expect(try await storage.latestTreeHead() == good)
        #expect(try await storage.treeHeads(sizes: 0..<100) == [good])
    }

    @Test("the auditor passes an intact log and names an altered entry by index")
    func audit() async throws {
        let storage = InMemoryLedgerStorage()
        for chunk in 0..<10 {
            try await storage.append(Reference.entries(37, seed: "c\(chunk)"))
            _ = try await storage.signTreeHead(signer: key, timestampMs: UInt64(chunk))
        }
        let publicKey = key.publicKeyBytes
        let report = try await LedgerAuditor(publicKey: publicKey, chunkSize: 50).audit(storage)
        #expect(report.entries == 370)
        #expect(report.treeHeads == 10)
        #expect(report.interiorNodes == 370 - UInt64(370.nonzeroBitCount))
        #expect(report.rootHash == (try await storage.rootHash(atSize: 370)))

        let other = Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        await #expect(throws: HiveError.self) { try await LedgerAuditor(publicKey: other).audit(storage) }

        try storage.tamper(entry: 123, with: Array("forged".utf8))
        let error = await #expect(throws: HiveError.self) { try await LedgerAuditor(chunkSize: 50).audit(storage) }
        #expect(error?.code == .inconsistent)
        #expect(error?.message.hasPrefix("entry 123 ") == true)
    }
}
