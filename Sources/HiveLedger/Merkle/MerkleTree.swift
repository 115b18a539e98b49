import HiveCore

/// A whole Merkle tree in memory: every perfect subtree's hash, level by level.
///
/// About `2n` hashes (64 bytes per leaf). Used by ``InMemoryLedgerStorage`` and as the
/// reference in tests and benchmarks; durable logs keep the same hashes in their tables.
public struct MerkleTree: Sendable {
    /// `levels[l][i]` is the hash of ``NodeID``(level: l, index: i); level 0 holds leaf hashes.
    private var levels: [[TreeHash]] = [[]]
    private var frontier = MerkleFrontier()

    public init() {}

    /// Number of leaves.
    public var size: UInt64 { frontier.size }

    /// The root of the whole tree.
    public var rootHash: TreeHash { frontier.rootHash }

    /// Appends a leaf hash and stores every perfect subtree it completes.
    public mutating func append(leafHash: TreeHash) {
        // Move the levels out while the frontier reports into them (exclusive access to self).
        var levels = self.levels
        self.levels = []
        frontier.append(leafHash: leafHash) { node, hash in
            if node.level == levels.count { levels.append([]) }
            levels[node.level].append(hash)
        }
        self.levels = levels
    }

    /// Appends the leaf `SHA-256(0x00 ‖ data)`.
    public mutating func append(entry: [UInt8]) {
        append(leafHash: Merkle.leafHash(entry))
    }

    /// The hash of a complete subtree; throws ``HiveError/Code/notFound`` if it is not complete yet.
    public func hash(of node: NodeID) throws -> TreeHash {
        guard node.level >= 0, node.level < levels.count, node.index < UInt64(levels[node.level].count) else {
            throw HiveError(.notFound, "\(node) is not complete in a tree of size \(size)")
        }
        return levels[node.level][Int(node.index)]
    }

    /// The leaf hashes in `range` (which must lie within the tree).
    public func leafHashes(in range: Range<UInt64>) throws -> ArraySlice<TreeHash> {
        guard range.upperBound <= size else {
            throw HiveError(.notFound, "leaves \(range.lowerBound)..<\(range.upperBound) are beyond the tree size \(size)")
        }
        return levels[0][Int(range.lowerBound)..<Int(range.upperBound)]
    }

    /// Root of the tree as it was at `treeSize` leaves.
    public func rootHash(atSize treeSize: UInt64) throws -> TreeHash {
        try ProofPlan.root(ofSize: treeSize, currentSize: size).resolve(using: hash(of:)).first ?? Merkle.emptyRoot
    }

    /// An inclusion proof for `leafIndex` in the tree of `treeSize` leaves.
    public func inclusionProof(leafIndex: UInt64, treeSize: UInt64) throws -> InclusionProof {
        let plan = try ProofPlan.inclusion(leafIndex: leafIndex, treeSize: treeSize, currentSize: size)
        return InclusionProof(leafIndex: leafIndex, treeSize: treeSize, path: try plan.resolve(using: hash(of:)))
    }

    /// A consistency proof from the tree of `firstSize` leaves to that of `secondSize`.
    public func consistencyProof(firstSize: UInt64, secondSize: UInt64) throws -> ConsistencyProof {
        let plan = try ProofPlan.consistency(firstSize: firstSize, secondSize: secondSize, currentSize: size)
        return ConsistencyProof(firstSize: firstSize, secondSize: secondSize, path: try plan.resolve(using: hash(of:)))
    }
}
