import HiveCore

extension LedgerStorage {
    /// The root of the log as it was at `treeSize` entries.
    public func rootHash(atSize treeSize: UInt64) async throws -> TreeHash {
        let plan = try ProofPlan.root(ofSize: treeSize, currentSize: try await size())
        return try plan.assemble(nodeHashes: try await nodeHashes(plan.nodes)).first ?? Merkle.emptyRoot
    }

    /// An RFC 9162 inclusion proof for entry `leafIndex` in the tree of `treeSize` entries,
    /// from O(log n) stored subtree hashes fetched in one lookup.
    public func inclusionProof(leafIndex: UInt64, treeSize: UInt64) async throws -> InclusionProof {
        let plan = try ProofPlan.inclusion(leafIndex: leafIndex, treeSize: treeSize, currentSize: try await size())
        let path = try plan.assemble(nodeHashes: try await nodeHashes(plan.nodes))
        return InclusionProof(leafIndex: leafIndex, treeSize: treeSize, path: path)
    }

    /// An RFC 9162 consistency proof from the tree of `firstSize` entries to that of `secondSize`.
    public func consistencyProof(firstSize: UInt64, secondSize: UInt64) async throws -> ConsistencyProof {
        let plan = try ProofPlan.consistency(firstSize: firstSize, secondSize: secondSize, currentSize: try await size())
        let path = try plan.assemble(nodeHashes: try await nodeHashes(plan.nodes))
        return ConsistencyProof(firstSize: firstSize, secondSize: secondSize, path: path)
    }

    /// Signs and stores a head for the log's current size, or returns the head already stored
    /// for that size (one head per size keeps every root's signature unique).
    public func signTreeHead(signer: some TreeHeadSigner, timestampMs: UInt64) async throws -> SignedTreeHead {
        let treeSize = try await size()
        if let existing = try await treeHead(size: treeSize) { return existing }
        let head = try SignedTreeHead.sign(
            treeSize: treeSize, timestampMs: timestampMs, rootHash: try await rootHash(atSize: treeSize), signer: signer)
        try await storeTreeHead(head)
        return head
    }

    /// A receipt for entry `leafIndex` under `treeHead` (which must cover it).
    public func inclusionReceipt(leafIndex: UInt64, treeHead: SignedTreeHead) async throws -> InclusionReceipt {
        let proof = try await inclusionProof(leafIndex: leafIndex, treeSize: treeHead.treeSize)
        return InclusionReceipt(leafIndex: leafIndex, treeHead: treeHead, path: proof.path)
    }
}
