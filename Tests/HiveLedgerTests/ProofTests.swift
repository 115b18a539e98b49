import HiveCore
import Testing
@testable import HiveLedger

@Suite("Merkle proofs, exhaustively for trees up to 64 leaves")
struct ProofTests {
    static let maxSize = 64
    static let entries = Reference.entries(maxSize)
    static let leaves = entries.map { Merkle.leafHash($0) }
    static let tree: MerkleTree = {
        var tree = MerkleTree()
        for leaf in leaves { tree.append(leafHash: leaf) }
        return tree
    }()

    @Test("incremental roots equal the recursive definition at every size")
    func roots() throws {
        var frontier = MerkleFrontier()
        #expect(frontier.rootHash == Merkle.emptyRoot)
        for n in 1...Self.maxSize {
            frontier.append(leafHash: Self.leaves[n - 1])
            let expected = Reference.mth(Self.leaves.prefix(n))
            #expect(frontier.rootHash == expected)
            #expect(try Self.tree.rootHash(atSize: UInt64(n)) == expected)
            #expect(Merkle.rootHash(leafHashes: Self.leaves.prefix(n)) == expected)
        }
    }

    @Test("every inclusion proof for every size up to 64 matches the textbook PATH and verifies")
    func everyInclusionProof() throws {
        for n in 1...Self.maxSize {
            let root = Reference.mth(Self.leaves.prefix(n))
            for m in 0..<n {
                let proof = try Self.tree.inclusionProof(leafIndex: UInt64(m), treeSize: UInt64(n))
                #expect(proof.path == Reference.path(m, Self.leaves.prefix(n)))
                #expect(proof.verify(leafHash: Self.leaves[m], rootHash: root), "leaf \(m) of \(n)")
                // The proof binds index and size too.
                if n > 1 {
                    var moved = proof
                    moved.leafIndex = UInt64((m + 1) % n)
                    #expect(!moved.verify(leafHash: Self.leaves[m], rootHash: root))
                }
                // (A proof does not authenticate the tree size by itself — sizes whose trees
                // share the path's shape accept it; the signed tree head binds size and root.)
            }
        }
    }

    @Test("every consistency proof for every pair of sizes up to 64 matches the textbook SUBPROOF and verifies")
    func everyConsistencyProof() throws {
        for n in 0...Self.maxSize {
            let second = Reference.mth(Self.leaves.prefix(n))
            for m in 0...n {
                let first = Reference.mth(Self.leaves.prefix(m))
                let proof = try Self.tree.consistencyProof(firstSize: UInt64(m), secondSize: UInt64(n))
                #expect(proof.path == Reference.consistency(m, Self.leaves.prefix(n)))
                #expect(proof.verify(firstRoot: first, secondRoot: second), "\(m) → \(n)")
                if m > 0, m < n {
                    // Roots swapped, or a size off by one, never pass.
                    #expect(!proof.verify(firstRoot: second, secondRoot: first))
                }
            }
        }
    }

    /// Which proofs the bit-flip tests mutate: every one in trees up to 12 leaves, and the
    /// leftmost, middle and rightmost ones in trees at and around powers of two up to 64, which
    /// between them exercise every branch of the verifiers. (Flipping every bit of all 4,225
    /// proofs up to 64 is ~8M verifications: minutes in a debug build.)
    static let flipSizes = Array(1...12) + [13, 15, 16, 17, 31, 32, 33, 47, 63, 64]

    static func flipIndices(_ n: Int) -> [Int] {
        n <= 12 ? Array(0..<n) : Array(Set([0, n / 2, n - 1])).sorted()
    }

    @Test("every single-bit change of an inclusion proof, its root or its leaf fails")
    func inclusionBitFlips() async throws {
        let failures = await withTaskGroup(of: [String].self) { group in
            for n in Self.flipSizes {
                group.addTask {
                    var failures: [String] = []
                    let root = Reference.mth(Self.leaves.prefix(n))
                    for m in Self.flipIndices(n) {
                        guard let proof = try? Self.tree.inclusionProof(leafIndex: UInt64(m), treeSize: UInt64(n)) else {
                            failures.append("no proof \(m)/\(n)"); continue
                        }
                        let leaf = Self.leaves[m]
                        for bit in 0..<256 {
                            if proof.verify(leafHash: leaf.flippingBit(bit), rootHash: root) { failures.append("leaf bit \(bit) \(m)/\(n)") }
                            if proof.verify(leafHash: leaf, rootHash: root.flippingBit(bit)) { failures.append("root bit \(bit) \(m)/\(n)") }
                            for p in proof.path.indices {
                                var bad = proof
                                bad.path[p] = bad.path[p].flippingBit(bit)
                                if bad.verify(leafHash: leaf, rootHash: root) { failures.append("path[\(p)] bit \(bit) \(m)/\(n)") }
                            }
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test("every single-bit change of a consistency proof or either root fails")
    func consistencyBitFlips() async throws {
        let failures = await withTaskGroup(of: [String].self) { group in
            for n in Self.flipSizes {
                group.addTask {
                    var failures: [String] = []
                    let second = Reference.mth(Self.leaves.prefix(n))
                    for m in Self.flipIndices(n).map({ $0 + 1 }) {
                        let first = Reference.mth(Self.leaves.prefix(m))
                        guard let proof = try? Self.tree.consistencyProof(firstSize: UInt64(m), secondSize: UInt64(n)) else {
                            failures.append("no proof \(m)→\(n)"); continue
                        }
                        for bit in 0..<256 {
                            if proof.verify(firstRoot: first.flippingBit(bit), secondRoot: second) { failures.append("first root bit \(bit) \(m)→\(n)") }
                            if proof.verify(firstRoot: first, secondRoot: second.flippingBit(bit)) { failures.append("second root bit \(bit) \(m)→\(n)") }
                            for p in proof.path.indices {
                                var bad = proof
                                bad.path[p] = bad.path[p].flippingBit(bit)
                                if bad.verify(firstRoot: first, secondRoot: second) { failures.append("path[\(p)] bit \(bit) \(m)→\(n)") }
                            }
                        }
                    }
                    return failures
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test("proof requests outside the tree are refused with a specific error")
    func badRequests() throws {
        #expect(throws: HiveError.self) { try Self.tree.inclusionProof(leafIndex: 5, treeSize: 5) }
        #expect(throws: HiveError.self) { try Self.tree.inclusionProof(leafIndex: 0, treeSize: 65) }
        #expect(throws: HiveError.self) { try Self.tree.consistencyProof(firstSize: 6, secondSize: 5) }
        #expect(throws: HiveError.self) { try Self.tree.consistencyProof(firstSize: 1, secondSize: 65) }
        #expect(throws: HiveError.self) { try ProofPlan.inclusion(leafIndex: 0, treeSize: .max, currentSize: 10) }
        let error = #expect(throws: HiveError.self) { try Self.tree.inclusionProof(leafIndex: 9, treeSize: 3) }
        #expect(error?.code == .invalidInput)
    }

    @Test("planned proofs at a huge size stay O(log n)")
    func hugePlans() throws {
        let size: UInt64 = (1 << 40) + 12345
        let inclusion = try ProofPlan.inclusion(leafIndex: size - 2, treeSize: size, currentSize: size)
        #expect(inclusion.elements.count <= 41)
        #expect(inclusion.nodes.count <= 2 * 41)
        let consistency = try ProofPlan.consistency(firstSize: 1_000_003, secondSize: size, currentSize: size)
        #expect(consistency.elements.count <= 2 * 41)
        #expect(NodeID.frontier(ofSize: size).count == size.nonzeroBitCount)
    }

    @Test("interior node ordinals follow completion order with no gaps")
    func ordinals() {
        var frontier = MerkleFrontier()
        var next: UInt64 = 0
        var ok = true
        for leaf in Self.leaves {
            frontier.append(leafHash: leaf) { node, _ in
                guard node.level > 0 else { return }
                if node.interiorOrdinal != next { ok = false }
                next += 1
            }
        }
        #expect(ok)
        #expect(next == UInt64(Self.maxSize) - UInt64(Self.maxSize.nonzeroBitCount))
    }
}
