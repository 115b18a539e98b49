import HiveLedger

/// Test data and an independent, textbook implementation of RFC 9162 §2.1 proofs over a leaf
/// list (direct recursion over `D[n]`), to check the stored-subtree planner against.
enum Reference {
    static func entries(_ n: Int, seed: String = "entry") -> [[UInt8]] {
        (0..<n).map { Array("\(seed)-\($0)".utf8) }
    }

    static func mth(_ leaves: ArraySlice<TreeHash>) -> TreeHash {
        if leaves.isEmpty { return Merkle.emptyRoot }
        if leaves.count == 1 { return leaves.first! }
        let k = split(leaves.count)
        return Merkle.nodeHash(mth(leaves.prefix(k)), mth(leaves.dropFirst(k)))
    }

    static func path(_ m: Int, _ leaves: ArraySlice<TreeHash>) -> [TreeHash] {
        if leaves.count <= 1 { return [] }
        let k = split(leaves.count)
        if m < k { return path(m, leaves.prefix(k)) + [mth(leaves.dropFirst(k))] }
        return path(m - k, leaves.dropFirst(k)) + [mth(leaves.prefix(k))]
    }

    static func consistency(_ m: Int, _ leaves: ArraySlice<TreeHash>) -> [TreeHash] {
        guard m > 0, m < leaves.count else { return [] }
        return subproof(m, leaves, true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<TreeHash>, _ b: Bool) -> [TreeHash] {
        if m == leaves.count { return b ? [] : [mth(leaves)] }
        let k = split(leaves.count)
        if m <= k { return subproof(m, leaves.prefix(k), b) + [mth(leaves.dropFirst(k))] }
        return subproof(m - k, leaves.dropFirst(k), false) + [mth(leaves.prefix(k))]
    }

    private static func split(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }
}

extension TreeHash {
    static func random(using rng: inout some RandomNumberGenerator) -> TreeHash {
        try! TreeHash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}
