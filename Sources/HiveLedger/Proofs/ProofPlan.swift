import HiveCore

/// Which stored subtree hashes a proof needs, and how to fold them into the proof.
///
/// Proof generation is split in two so that storage answers it with one batched lookup:
/// the plan (pure, O(log n)) lists the perfect subtrees (``NodeID``) behind each proof hash
/// following RFC 9162 §2.1.3.1 (`PATH`) and §2.1.4.1 (`SUBPROOF`); the storage fetches those
/// hashes; ``assemble(nodeHashes:)`` folds them. Each proof hash is `MTH(D[lo:hi])` of a range
/// whose start is aligned to a power of two at least its length, so it is a perfect subtree or
/// (on the tree's right edge) the right fold of the perfect subtrees tiling it.
public struct ProofPlan: Sendable, Equatable {
    /// The perfect subtrees of each proof hash, in proof order.
    public let elements: [[NodeID]]

    /// Every subtree to fetch, in the order ``assemble(nodeHashes:)`` expects their hashes.
    public var nodes: [NodeID] { elements.flatMap { $0 } }

    init(ranges: [Range<UInt64>]) {
        elements = ranges.map { NodeID.perfectSubtrees(covering: $0) }
    }

    /// Folds fetched hashes (aligned with ``nodes``) into the proof's hashes.
    public func assemble(nodeHashes: [TreeHash]) throws -> [TreeHash] {
        let expected = elements.reduce(0) { $0 + $1.count }
        guard nodeHashes.count == expected else {
            throw HiveError(.inconsistent, "proof plan needs \(expected) subtree hashes, storage returned \(nodeHashes.count)")
        }
        var result: [TreeHash] = []
        result.reserveCapacity(elements.count)
        var offset = 0
        for element in elements {
            let slice = nodeHashes[offset..<(offset + element.count)]
            offset += element.count
            result.append(Self.fold(slice))
        }
        return result
    }

    /// Resolves the plan with a lookup of one subtree at a time (in-memory trees).
    public func resolve(using lookup: (NodeID) throws -> TreeHash) throws -> [TreeHash] {
        try assemble(nodeHashes: nodes.map(lookup))
    }

    /// `MTH` of a range from the perfect subtrees tiling it: `node(P1, node(P2, … Pk))`.
    static func fold(_ hashes: ArraySlice<TreeHash>) -> TreeHash {
        guard var hash = hashes.last else { return Merkle.emptyRoot }
        for left in hashes.dropLast().reversed() {
            hash = Merkle.nodeHash(left, hash)
        }
        return hash
    }

    // MARK: - Plans

    /// The root of the tree at `size` leaves: one element (none for the empty tree, whose root
    /// is ``Merkle/emptyRoot``).
    public static func root(ofSize size: UInt64, currentSize: UInt64) throws -> ProofPlan {
        guard size <= currentSize else {
            throw HiveError(.notFound, "tree size \(size) is beyond the log's size \(currentSize)")
        }
        return ProofPlan(ranges: size == 0 ? [] : [0..<size])
    }

    /// RFC 9162 §2.1.3.1: the audit path of leaf `leafIndex` in the tree of `treeSize` leaves.
    public static func inclusion(leafIndex: UInt64, treeSize: UInt64, currentSize: UInt64) throws -> ProofPlan {
        guard leafIndex < treeSize else {
            throw HiveError(.invalidInput, "leaf index \(leafIndex) is not below tree size \(treeSize)")
        }
        guard treeSize <= currentSize else {
            throw HiveError(.notFound, "tree size \(treeSize) is beyond the log's size \(currentSize)")
        }
        var ranges: [Range<UInt64>] = []
        path(leafIndex, 0, treeSize, &ranges)
        return ProofPlan(ranges: ranges)
    }

    /// RFC 9162 §2.1.4.1: the consistency proof from the tree of `firstSize` leaves to the tree
    /// of `secondSize`. Empty when `firstSize` is 0 or equals `secondSize`.
    public static func consistency(firstSize: UInt64, secondSize: UInt64, currentSize: UInt64) throws -> ProofPlan {
        guard firstSize <= secondSize else {
            throw HiveError(.invalidInput, "first size \(firstSize) is larger than second size \(secondSize)")
        }
        guard secondSize <= currentSize else {
            throw HiveError(.notFound, "tree size \(secondSize) is beyond the log's size \(currentSize)")
        }
        var ranges: [Range<UInt64>] = []
        if firstSize > 0, firstSize < secondSize {
            subproof(firstSize, 0, secondSize, true, &ranges)
        }
        return ProofPlan(ranges: ranges)
    }

    /// `PATH(m, D[lo:hi])`, with `m` an absolute leaf index; appends deepest sibling first.
    private static func path(_ m: UInt64, _ lo: UInt64, _ hi: UInt64, _ out: inout [Range<UInt64>]) {
        let n = hi - lo
        guard n > 1 else { return }
        let k = Merkle.largestPowerOfTwo(below: n)
        if m < lo + k {
            path(m, lo, lo + k, &out)
            out.append((lo + k)..<hi)
        } else {
            path(m, lo + k, hi, &out)
            out.append(lo..<(lo + k))
        }
    }

    /// `SUBPROOF(m, D[lo:hi], b)` with `first` the absolute old tree size (so `m = first − lo`).
    private static func subproof(_ first: UInt64, _ lo: UInt64, _ hi: UInt64, _ isStart: Bool, _ out: inout [Range<UInt64>]) {
        let m = first - lo
        let n = hi - lo
        if m == n {
            if !isStart { out.append(lo..<hi) }
            return
        }
        let k = Merkle.largestPowerOfTwo(below: n)
        if m <= k {
            subproof(first, lo, lo + k, isStart, &out)
            out.append((lo + k)..<hi)
        } else {
            subproof(first, lo + k, hi, false, &out)
            out.append(lo..<(lo + k))
        }
    }
}
