import HiveCore

/// An RFC 9162 §2.1.4 consistency proof: evidence that the tree of ``secondSize`` leaves
/// extends the tree of ``firstSize`` leaves (the log only appended).
public struct ConsistencyProof: Sendable, Hashable, Codable {
    /// Longest proof any pair of trees of at most 2^64 leaves can have.
    public static let maxPathLength = 128

    public var firstSize: UInt64
    public var secondSize: UInt64
    public var path: [TreeHash]

    enum CodingKeys: String, CodingKey {
        case firstSize = "first_size"
        case secondSize = "second_size"
        case path
    }

    public init(firstSize: UInt64, secondSize: UInt64, path: [TreeHash]) {
        self.firstSize = firstSize
        self.secondSize = secondSize
        self.path = path
    }

    /// Whether the proof shows that `secondRoot` (tree of ``secondSize``) extends `firstRoot`
    /// (tree of ``firstSize``), by RFC 9162 §2.1.4.2. Never traps on any input.
    public func verify(firstRoot: TreeHash, secondRoot: TreeHash) -> Bool {
        (try? check(firstRoot: firstRoot, secondRoot: secondRoot)) != nil
    }

    /// Like ``verify(firstRoot:secondRoot:)`` but throws a ``HiveError`` saying why a proof fails.
    ///
    /// Edge cases the RFC leaves to the caller: an empty first tree is consistent with any tree
    /// (the proof must be empty); equal sizes need an empty proof and equal roots.
    public func check(firstRoot: TreeHash, secondRoot: TreeHash) throws {
        let what = "consistency proof from size \(firstSize) to \(secondSize)"
        guard firstSize <= secondSize else {
            throw HiveError(.invalidInput, "\(what): the first tree is larger than the second")
        }
        guard path.count <= Self.maxPathLength else {
            throw HiveError(.invalidInput, "\(what) has \(path.count) hashes, more than any tree allows")
        }
        if firstSize == 0 {
            guard path.isEmpty else { throw HiveError(.inconsistent, "\(what) must be empty") }
            guard firstRoot == Merkle.emptyRoot else {
                throw HiveError(.inconsistent, "\(what): the empty tree's root is not SHA-256(\"\")")
            }
            return
        }
        if firstSize == secondSize {
            guard path.isEmpty else { throw HiveError(.inconsistent, "\(what) must be empty") }
            guard firstRoot == secondRoot else {
                throw HiveError(.inconsistent, "\(what): two different roots for the same size (a split view)")
            }
            return
        }
        // Step 1.
        guard !path.isEmpty else { throw HiveError(.inconsistent, "\(what) is empty") }
        // Step 2.
        var proof = path[...]
        if firstSize.nonzeroBitCount == 1 {
            proof = ([firstRoot] + path)[...]
        }
        // Step 3.
        var fn = firstSize - 1
        var sn = secondSize - 1
        // Step 4.
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // Step 5.
        var fr = proof[proof.startIndex]
        var sr = fr
        // Step 6.
        for c in proof.dropFirst() {
            guard sn != 0 else { throw HiveError(.inconsistent, "\(what) is too long") }
            if fn & 1 == 1 || fn == sn {
                fr = Merkle.nodeHash(c, fr)
                sr = Merkle.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = Merkle.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // Step 7.
        guard sn == 0 else { throw HiveError(.inconsistent, "\(what) is too short") }
        guard fr == firstRoot else {
            throw HiveError(.inconsistent, "\(what) does not lead to the first root (the old history was rewritten)")
        }
        guard sr == secondRoot else {
            throw HiveError(.inconsistent, "\(what) does not lead to the second root")
        }
    }
}
