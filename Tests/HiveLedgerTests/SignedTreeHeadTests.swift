import Crypto
import Foundation
import HiveCore
import Testing
@testable import HiveLedger

@Suite("Signed tree heads")
struct SignedTreeHeadTests {
    let key = Ed25519TreeHeadSigner(Curve25519.Signing.PrivateKey())
    let root = Merkle.leafHash(Array("root".utf8))

    @Test("the signed message is the documented 56-byte layout")
    func layout() throws {
        let head = try SignedTreeHead.sign(treeSize: 0x0102_0304_0506_0708, timestampMs: 1_700_000_000_123, rootHash: root, signer: key)
        let message = head.signedMessage
        #expect(message.count == 56)
        #expect(Array(message[0..<8]) == Array("HIVESTH1".utf8))
        #expect(Array(message[8..<16]) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Array(message[16..<24]) == [0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B])
        #expect(Array(message[24..<56]) == root.bytes)
        #expect(head.encoded().count == 152)
        #expect(try SignedTreeHead(encoded: head.encoded()) == head)
        #expect(head.verify(publicKey: key.publicKeyBytes))
    }

    @Test("every single-bit change of the signed message, and one per byte of key and signature, breaks a head")
    func bitFlips() throws {
        let head = try SignedTreeHead.sign(treeSize: 7, timestampMs: 42, rootHash: root, signer: key)
        let publicKey = key.publicKeyBytes
        let encoded = head.encoded()
        var survivors = 0
        // Every bit of the 56 signed bytes; a rotating bit of each key and signature byte
        // (Ed25519 in a debug build costs milliseconds per verification).
        let bits = Array(0..<(56 * 8)) + (56..<152).map { $0 * 8 + $0 % 8 }
        for bit in bits {
            var bytes = encoded
            bytes[bit / 8] ^= 0x80 >> UInt8(bit % 8)
            if let decoded = try? SignedTreeHead(encoded: bytes), decoded.verify(publicKey: publicKey) { survivors += 1 }
        }
        #expect(survivors == 0)
    }

    @Test("a head signed by another key is refused when the hub key is pinned")
    func wrongKey() throws {
        let other = Ed25519TreeHeadSigner(Curve25519.Signing.PrivateKey())
        let head = try SignedTreeHead.sign(treeSize: 7, timestampMs: 42, rootHash: root, signer: other)
        #expect(head.verify(publicKey: head.signerKey))
        let error = #expect(throws: HiveError.self) { try head.check(publicKey: key.publicKeyBytes) }
        #expect(error?.code == .badSignature)
    }

    @Test("JSON round trip; malformed JSON fields are refused")
    func json() throws {
        let head = try SignedTreeHead.sign(treeSize: 3, timestampMs: 9, rootHash: root, signer: key)
        let data = try JSONEncoder().encode(head)
        #expect(try JSONDecoder().decode(SignedTreeHead.self, from: data) == head)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["signature"] = "abcd"
        let bad = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(SignedTreeHead.self, from: bad) }
        #expect(throws: HiveError.self) { try SignedTreeHead(encoded: Array(head.encoded().dropLast())) }
    }

    @Test("receipts verify the entry under a signed head, and nothing else")
    func receipts() async throws {
        let storage = InMemoryLedgerStorage()
        let entries = Reference.entries(11)
        try await storage.append(entries)
        let head = try await storage.signTreeHead(signer: key, timestampMs: 1000)
        let publicKey = key.publicKeyBytes
        for index in 0..<11 {
            let receipt = try await storage.inclusionReceipt(leafIndex: UInt64(index), treeHead: head)
            #expect(receipt.verify(entry: entries[index], publicKey: publicKey))
            #expect(!receipt.verify(entry: entries[(index + 1) % 11], publicKey: publicKey))
            let decoded = try JSONDecoder().decode(InclusionReceipt.self, from: JSONEncoder().encode(receipt))
            #expect(decoded == receipt)
        }
        // Same size, same head: signing again returns the stored head.
        #expect(try await storage.signTreeHead(signer: key, timestampMs: 2000) == head)
    }
}
