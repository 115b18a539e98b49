import HiveCore

/// A perfect (complete) subtree of the log: `2^level` leaves starting at leaf `index · 2^level`.
///
/// Level 0 is a leaf. Every hash an RFC 9162 proof needs is either one perfect subtree or a
/// right-edge subtree that folds from O(log n) perfect ones, so storing the perfect subtrees'
/// hashes (about `2n` of them, never changed once complete) is enough to answer any proof with
/// O(log n) lookups.
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    /// Height above the leaves (0 = leaf).
    public var level: Int
    /// Position among the subtrees of this level, from the left.
    public var index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The first leaf the subtree covers.
    public var firstLeaf: UInt64 { index << UInt64(level) }

    /// The leaves the subtree covers.
    public var leaves: Range<UInt64> { firstLeaf..<(firstLeaf + (UInt64(1) << UInt64(level))) }

    /// The leaf whose append completes this subtree.
    public var lastLeaf: UInt64 { firstLeaf + (UInt64(1) << UInt64(level)) - 1 }

    /// Position of an interior node (level ≥ 1) in completion order: the n-th interior node any
    /// append produced. Appending leaf `k` completes the interior nodes at levels 1…t (t = the
    /// number of trailing one bits of `k`), and `k − popcount(k)` interior nodes existed before,
    /// so storage keyed by this ordinal only ever appends at the end of its index.
    public var interiorOrdinal: UInt64 {
        let k = lastLeaf
        return k - UInt64(k.nonzeroBitCount) + UInt64(level - 1)
    }

    public var description: String { "node(level \(level), leaves \(leaves.lowerBound)..<\(leaves.upperBound))" }
}

extension NodeID {
    /// The perfect subtrees that tile `range`, left to right, largest first where alignment allows.
    ///
    /// For the ranges RFC 9162 proofs use (`lo` aligned to a power of two ≥ the range's length)
    /// this is the binary expansion of the length, at most 64 subtrees.
    public static func perfectSubtrees(covering range: Range<UInt64>) -> [NodeID] {
        var result: [NodeID] = []
        var lo = range.lowerBound
        let hi = range.upperBound
        while lo < hi {
            var size = UInt64(1) << UInt64(63 - (hi - lo).leadingZeroBitCount)
            if lo != 0 {
                size = min(size, UInt64(1) << UInt64(lo.trailingZeroBitCount))
            }
            let level = size.trailingZeroBitCount
            result.append(NodeID(level: level, index: lo >> UInt64(level)))
            lo += size
        }
        return result
    }

    /// The perfect subtrees whose hashes make the frontier of a tree of `size` leaves
    /// (one per set bit of `size`, largest first): enough to compute its root and to append.
    public static func frontier(ofSize size: UInt64) -> [NodeID] {
        perfectSubtrees(covering: 0..<size)
    }
}
