import HiveCore
import Testing
@testable import HiveLedger

@Suite("Verifiers on random input")
struct FuzzTests {
    @Test("random inclusion proofs, sizes and hashes never crash the verifier and never verify")
    func randomInclusion() {
        var rng = SeededGenerator(seed: 0x1ED6E5)
        var accepted = 0
        for round in 0..<4_000 {
            let size: UInt64 = switch round % 4 {
            case 0: UInt64.random(in: 0...70, using: &rng)
            case 1: UInt64.max - UInt64.random(in: 0...3, using: &rng)
            case 2: rng.next()
            default: UInt64(1) << UInt64.random(in: 0...63, using: &rng)
            }
            let index: UInt64 = round % 3 == 0 ? rng.next() : (size == 0 ? 0 : rng.next() % size)
            let path = (0..<Int.random(in: 0...70, using: &rng)).map { _ in TreeHash.random(using: &rng) }
            let proof = InclusionProof(leafIndex: index, treeSize: size, path: path)
            if proof.verify(leafHash: .random(using: &rng), rootHash: .random(using: &rng)) { accepted += 1 }
        }
        #expect(accepted == 0)
    }

    @Test("random consistency proofs never crash the verifier and never verify")
    func randomConsistency() {
        var rng = SeededGenerator(seed: 0xC0_5157)
        var accepted = 0
        for round in 0..<4_000 {
            var first: UInt64 = round % 2 == 0 ? UInt64.random(in: 0...70, using: &rng) : rng.next()
            var second: UInt64 = round % 3 == 0 ? UInt64.max : rng.next()
            if round % 5 == 0 { swap(&first, &second) }
            let path = (0..<Int.random(in: 0...140, using: &rng)).map { _ in TreeHash.random(using: &rng) }
            let proof = ConsistencyProof(firstSize: first, secondSize: second, path: path)
            let a = TreeHash.random(using: &rng)
            if proof.verify(firstRoot: a, secondRoot: round % 7 == 0 ? a : .random(using: &rng)) { accepted += 1 }
        }
        #expect(accepted == 0)
    }

    @Test("random bytes never crash the tree head and hash decoders")
    func randomDecoding() {
        var rng = SeededGenerator(seed: 0x57)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...200, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if length >= 8, Bool.random(using: &rng) { bytes.replaceSubrange(0..<8, with: SignedTreeHead.magic) }
            if let head = try? SignedTreeHead(encoded: bytes) {
                #expect(!head.verify(publicKey: head.signerKey))
            }
            _ = try? TreeHash(bytes: bytes)
            _ = try? TreeHash(hex: String(decoding: bytes, as: UTF8.self))
        }
    }
}
