import HiveCore
import Testing
@testable import HiveLedger

/// The example tree of RFC 6962 §2.1.3 (repeated in RFC 9162 §2.1.5), worked by hand:
///
///                 hash
///                /    \
///               k      l
///              / \    / \
///             g   h  i   j
///            / \ / \ / \ |
///            a b c d e f d6
///            | | | | | |
///           d0 d1 d2 d3 d4 d5
@Suite("RFC 6962 / 9162 vectors")
struct RFCVectorTests {
    // The leaf data the Certificate Transparency reference tests use.
    static let data: [[UInt8]] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ]

    // Named nodes of the figure, computed from the definitions alone.
    let a = Merkle.leafHash(data[0]), b = Merkle.leafHash(data[1]), c = Merkle.leafHash(data[2])
    let d = Merkle.leafHash(data[3]), e = Merkle.leafHash(data[4]), f = Merkle.leafHash(data[5])
    var j: TreeHash { Merkle.leafHash(Self.data[6]) }
    var g: TreeHash { Merkle.nodeHash(a, b) }
    var h: TreeHash { Merkle.nodeHash(c, d) }
    var i: TreeHash { Merkle.nodeHash(e, f) }
    var k: TreeHash { Merkle.nodeHash(g, h) }
    var l: TreeHash { Merkle.nodeHash(i, j) }
    var root: TreeHash { Merkle.nodeHash(k, l) }

    var tree: MerkleTree {
        var tree = MerkleTree()
        for entry in Self.data.prefix(7) { tree.append(entry: entry) }
        return tree
    }

    @Test("the 7-leaf tree's root is node(k, l)")
    func root7() throws {
        #expect(tree.rootHash == root)
        #expect(Merkle.rootHash(leafHashes: [a, b, c, d, e, f, j]) == root)
    }

    @Test("audit paths: d0 → [b, h, l], d3 → [c, g, l], d4 → [f, j, k], d6 → [i, k]")
    func inclusionPaths() throws {
        let expected: [(UInt64, [TreeHash], TreeHash)] = [(0, [b, h, l], a), (3, [c, g, l], d), (4, [f, j, k], e), (6, [i, k], j)]
        for (index, path, leaf) in expected {
            let proof = try tree.inclusionProof(leafIndex: index, treeSize: 7)
            #expect(proof.path == path, "leaf \(index)")
            #expect(proof.verify(leafHash: leaf, rootHash: root))
        }
    }

    @Test("consistency: 3→7 is [c, d, g, l], 4→7 is [l], 6→7 is [i, j, k]")
    func consistencyProofs() throws {
        let hash0 = Merkle.nodeHash(g, c)  // tree of d0…d2
        let hash1 = k  // tree of d0…d3
        let hash2 = Merkle.nodeHash(k, i)  // tree of d0…d5
        let expected: [(UInt64, [TreeHash], TreeHash)] = [(3, [c, d, g, l], hash0), (4, [l], hash1), (6, [i, j, k], hash2)]
        for (first, path, firstRoot) in expected {
            #expect(try tree.rootHash(atSize: first) == firstRoot)
            let proof = try tree.consistencyProof(firstSize: first, secondSize: 7)
            #expect(proof.path == path, "from \(first)")
            #expect(proof.verify(firstRoot: firstRoot, secondRoot: root))
        }
    }

    @Test("published roots and proofs of the Certificate Transparency reference tests")
    func publishedVectors() throws {
        let roots = [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        var tree = MerkleTree()
        #expect(tree.rootHash.hex == roots[0])
        for (n, entry) in Self.data.enumerated() {
            tree.append(entry: entry)
            #expect(tree.rootHash.hex == roots[n + 1], "size \(n + 1)")
        }
        let path08 = ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
        let path58 = ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]
        #expect(try tree.inclusionProof(leafIndex: 0, treeSize: 8).path.map(\.hex) == path08)
        #expect(try tree.inclusionProof(leafIndex: 5, treeSize: 8).path.map(\.hex) == path58)
        #expect(try tree.consistencyProof(firstSize: 2, secondSize: 5).path.map(\.hex) == [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ])
        #expect(try tree.consistencyProof(firstSize: 6, secondSize: 7).path.map(\.hex) == [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ])
        #expect(try tree.consistencyProof(firstSize: 1, secondSize: 8).path.map(\.hex) == path08)
    }
}
