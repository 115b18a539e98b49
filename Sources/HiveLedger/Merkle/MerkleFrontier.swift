import HiveCore

/// The right edge of a Merkle tree: the hashes of the perfect subtrees of a tree of `size`
/// leaves, one per set bit of `size` (a "compact range"). O(log n) memory; appending a leaf
/// costs amortised O(1) hashes and reports the perfect subtrees the append completed.
public struct MerkleFrontier: Sendable, Equatable {
    /// Number of leaves appended so far.
    public private(set) var size: UInt64 = 0
    /// Perfect-subtree hashes, largest (leftmost) first; `hashes.count == size.nonzeroBitCount`.
    public private(set) var hashes: [TreeHash] = []

    /// The frontier of the empty tree.
    public init() {}

    /// A frontier restored from storage; the hashes must be those of
    /// ``NodeID/frontier(ofSize:)`` for `size`, in that order.
    public init(size: UInt64, hashes: [TreeHash]) throws {
        guard hashes.count == size.nonzeroBitCount else {
            throw HiveError(.inconsistent, "a frontier of size \(size) has \(size.nonzeroBitCount) hashes, got \(hashes.count)")
        }
        self.size = size
        self.hashes = hashes
    }

    /// Appends one leaf hash. `completed` receives every perfect subtree this append finished,
    /// the leaf itself (level 0) first, then each interior node upwards.
    public mutating func append(leafHash: TreeHash, completed: (NodeID, TreeHash) -> Void = { _, _ in }) {
        let leafIndex = size
        var hash = leafHash
        completed(NodeID(level: 0, index: leafIndex), hash)
        // Each trailing one bit of the old size is a same-height subtree waiting for a right sibling.
        var level = 0
        var pending = leafIndex
        while pending & 1 == 1 {
            hash = Merkle.nodeHash(hashes.removeLast(), hash)
            level += 1
            pending >>= 1
            completed(NodeID(level: level, index: leafIndex >> UInt64(level)), hash)
        }
        hashes.append(hash)
        size += 1
    }

    /// The RFC 9162 Merkle Tree Hash of the leaves appended so far.
    public var rootHash: TreeHash {
        guard var root = hashes.last else { return Merkle.emptyRoot }
        for hash in hashes.dropLast().reversed() {
            root = Merkle.nodeHash(hash, root)
        }
        return root
    }
}
