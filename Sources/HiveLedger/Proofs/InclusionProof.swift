import HiveCore

/// An RFC 9162 §2.1.3 inclusion proof: the audit path of one leaf in a tree of a given size.
public struct InclusionProof: Sendable, Hashable, Codable {
    /// Longest path any tree of at most 2^64 leaves can have; longer input is refused up front.
    public static let maxPathLength = 64

    /// 0-based index of the leaf.
    public var leafIndex: UInt64
    /// Size of the tree the proof is for.
    public var treeSize: UInt64
    /// Sibling hashes from the leaf up to the root.
    public var path: [TreeHash]

    enum CodingKeys: String, CodingKey {
        case leafIndex = "leaf_index"
        case treeSize = "tree_size"
        case path
    }

    public init(leafIndex: UInt64, treeSize: UInt64, path: [TreeHash]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.path = path
    }

    /// Whether `leafHash` is leaf ``leafIndex`` of the tree of ``treeSize`` leaves whose root is
    /// `rootHash`, by the verification algorithm of RFC 9162 §2.1.3.2. Never traps on any input.
    public func verify(leafHash: TreeHash, rootHash: TreeHash) -> Bool {
        (try? computeRoot(leafHash: leafHash)) == rootHash
    }

    /// Like ``verify(leafHash:rootHash:)`` but throws a ``HiveError`` saying why a proof fails.
    public func check(leafHash: TreeHash, rootHash: TreeHash) throws {
        let computed = try computeRoot(leafHash: leafHash)
        guard computed == rootHash else {
            throw HiveError(.inconsistent, "inclusion proof for leaf \(leafIndex) in tree size \(treeSize) leads to root \(computed.hex.prefix(16))…, expected \(rootHash.hex.prefix(16))…")
        }
    }

    /// The root the path leads to (RFC 9162 §2.1.3.2, steps 1–5 without the final comparison).
    public func computeRoot(leafHash: TreeHash) throws -> TreeHash {
        // Step 1.
        guard leafIndex < treeSize else {
            throw HiveError(.invalidInput, "leaf index \(leafIndex) is not below tree size \(treeSize)")
        }
        guard path.count <= Self.maxPathLength else {
            throw HiveError(.invalidInput, "inclusion path of \(path.count) hashes is longer than any tree allows")
        }
        // Step 2, 3.
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        // Step 4.
        for p in path {
            guard sn != 0 else {
                throw HiveError(.inconsistent, "inclusion path for leaf \(leafIndex) in tree size \(treeSize) is too long")
            }
            if fn & 1 == 1 || fn == sn {
                r = Merkle.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = Merkle.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 5 (the size half; the caller compares the root).
        guard sn == 0 else {
            throw HiveError(.inconsistent, "inclusion path for leaf \(leafIndex) in tree size \(treeSize) is too short")
        }
        return r
    }
}
