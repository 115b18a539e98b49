import HiveCore

/// What the hub hands back for an accepted contribution: the entry's position, a signed tree
/// head covering it and the audit path from the entry to that head's root.
///
/// A twin keeps the receipt; with the hub's public key alone it can later show that the hub
/// logged the entry (and, with consistency proofs, that the log never dropped it).
public struct InclusionReceipt: Sendable, Hashable, Codable {
    public var leafIndex: UInt64
    public var treeHead: SignedTreeHead
    public var path: [TreeHash]

    public init(leafIndex: UInt64, treeHead: SignedTreeHead, path: [TreeHash]) {
        self.leafIndex = leafIndex
        self.treeHead = treeHead
        self.path = path
    }

    enum CodingKeys: String, CodingKey {
        case leafIndex = "leaf_index"
        case treeHead = "tree_head"
        case path
    }

    /// The inclusion proof the receipt carries.
    public var proof: InclusionProof {
        InclusionProof(leafIndex: leafIndex, treeSize: treeHead.treeSize, path: path)
    }

    /// Checks the head's signature (by `publicKey`) and that `entry` is leaf ``leafIndex`` under it.
    public func check(entry: [UInt8], publicKey: [UInt8]) throws {
        try treeHead.check(publicKey: publicKey)
        try proof.check(leafHash: Merkle.leafHash(entry), rootHash: treeHead.rootHash)
    }

    /// Whether ``check(entry:publicKey:)`` passes. Never traps.
    public func verify(entry: [UInt8], publicKey: [UInt8]) -> Bool {
        (try? check(entry: entry, publicKey: publicKey)) != nil
    }
}
