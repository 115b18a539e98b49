import HiveCore

/// What a successful audit covered.
public struct LedgerAuditReport: Sendable, Equatable {
    /// Entries whose leaf hash was recomputed.
    public var entries: UInt64
    /// Interior subtree hashes recomputed and compared with storage.
    public var interiorNodes: UInt64
    /// Signed tree heads whose root and signature were checked.
    public var treeHeads: Int
    /// The root of the whole log.
    public var rootHash: TreeHash
}

/// Recomputes a ledger from its entries and checks everything storage holds against it:
/// every leaf hash, every stored interior subtree hash (proofs are built from those) and every
/// signed tree head (root, signature, timestamp order). Stops at the first discrepancy with a
/// ``HiveError/Code/inconsistent`` (or ``HiveError/Code/badSignature``) naming the entry.
public struct LedgerAuditor: Sendable {
    /// The key every tree head must be signed by; nil accepts each head's own key.
    public var publicKey: [UInt8]?
    /// Entries read per storage round trip.
    public var chunkSize: UInt64

    public init(publicKey: [UInt8]? = nil, chunkSize: UInt64 = 8192) {
        self.publicKey = publicKey
        self.chunkSize = max(1, min(chunkSize, LedgerLimits.maxReadRange))
    }

    /// Audits `storage`; `progress` is called after each chunk with (entries done, total).
    public func audit(
        _ storage: some LedgerStorage, progress: (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> LedgerAuditReport {
        let size = try await storage.size()
        var heads = try await storage.treeHeads(sizes: 0..<UInt64.max)
        if let beyond = heads.first(where: { $0.treeSize > size }) {
            throw HiveError(.inconsistent, "tree head at size \(beyond.treeSize) is beyond the log's \(size) entries")
        }
        heads.sort { $0.treeSize < $1.treeSize }
        var previousTimestamp: UInt64 = 0
        for head in heads {
            try head.check(publicKey: publicKey)
            guard head.timestampMs >= previousTimestamp else {
                throw HiveError(.inconsistent, "tree head at size \(head.treeSize) is timestamped before an earlier head")
            }
            previousTimestamp = head.timestampMs
        }
        var nextHead = heads.startIndex
        var frontier = MerkleFrontier()
        var interiorChecked: UInt64 = 0

        // Roots at the heads reached so far; compared after the chunk's subtree hashes, which
        // name the altered entry more precisely than a root can.
        var reached: [(SignedTreeHead, TreeHash)] = []
        func reachHeads() {
            while nextHead < heads.endIndex, heads[nextHead].treeSize == frontier.size {
                reached.append((heads[nextHead], frontier.rootHash))
                nextHead += 1
            }
        }
        func checkReached() throws {
            for (head, root) in reached where head.rootHash != root {
                throw HiveError(.inconsistent, "tree head at size \(head.treeSize) does not match the entries below it: an entry before index \(head.treeSize) was altered")
            }
            reached.removeAll()
        }

        reachHeads()
        try checkReached()
        var start: UInt64 = 0
        while start < size {
            let end = min(size, start + chunkSize)
            let entries = try await storage.entries(in: start..<end)
            let stored = try await storage.leafHashes(in: start..<end)
            guard entries.count == Int(end - start), stored.count == entries.count else {
                throw HiveError(.inconsistent, "storage returned \(entries.count) entries and \(stored.count) leaf hashes for \(start)..<\(end)")
            }
            var completed: [(NodeID, TreeHash)] = []
            for offset in 0..<entries.count {
                let index = start + UInt64(offset)
                let leaf = Merkle.leafHash(entries[offset])
                guard leaf == stored[offset] else {
                    throw HiveError(.inconsistent, "entry \(index) does not match its stored leaf hash: the entry was altered")
                }
                frontier.append(leafHash: leaf) { node, hash in
                    if node.level > 0 { completed.append((node, hash)) }
                }
                reachHeads()
            }
            if !completed.isEmpty {
                let storedNodes = try await storage.nodeHashes(completed.map(\.0))
                for ((node, hash), storedHash) in zip(completed, storedNodes) where hash != storedHash {
                    throw HiveError(.inconsistent, "entry \(node.firstLeaf) (or another of entries \(node.leaves.lowerBound)..<\(node.leaves.upperBound)), or the stored subtree hash over them, was altered: the stored hash at level \(node.level) does not match the entries")
                }
                interiorChecked += UInt64(completed.count)
            }
            try checkReached()
            progress(end, size)
            start = end
        }
        return LedgerAuditReport(entries: size, interiorNodes: interiorChecked, treeHeads: heads.count, rootHash: frontier.rootHash)
    }
}
