import HiveCore

/// The right edge of a log as a writer last saw it: its frontier and its latest signed head.
///
/// Enough to append a batch, sign the head covering it and give every new entry its receipt
/// without reading the store: a store that keeps the tip of its own last append checks, as it
/// writes, that the log still ends where the tip says (size and latest head) and only then stores
/// what ``prepareAppend(_:signer:timestampMs:)`` computed.
public struct LedgerTip: Sendable, Equatable {
    /// The log's frontier (its size and perfect-subtree hashes).
    public var frontier: MerkleFrontier
    /// The head with the largest tree size, if any was stored.
    public var latestHead: SignedTreeHead?

    public init(frontier: MerkleFrontier, latestHead: SignedTreeHead?) {
        self.frontier = frontier
        self.latestHead = latestHead
    }

    /// Number of entries in the log.
    public var size: UInt64 { frontier.size }

    /// Appends `entries` in memory: the rows to store, a head covering them signed by `signer`
    /// (timestamped `timestampMs`, or the latest head's time if that is later, so heads never run
    /// backwards) and a receipt per entry.
    public func prepareAppend(
        _ entries: [[UInt8]], signer: some TreeHeadSigner, timestampMs: UInt64
    ) throws -> PreparedAppend {
        try LedgerLimits.validate(batch: entries)
        var frontier = self.frontier
        var rows = LedgerAppendRows(firstIndex: frontier.size)
        rows.leafHashes.reserveCapacity(entries.count)
        // Hashes an audit path of a new entry can need: the old frontier's subtrees and every
        // perfect subtree this append completes (leaves included).
        var known = Dictionary(uniqueKeysWithValues: zip(NodeID.frontier(ofSize: frontier.size), frontier.hashes))
        for entry in entries {
            let leaf = Merkle.leafHash(entry)
            rows.leafHashes.append(leaf)
            frontier.append(leafHash: leaf) { node, hash in
                known[node] = hash
                if node.level > 0 { rows.interiorNodes.append((node.interiorOrdinal, hash)) }
            }
        }
        let root = frontier.rootHash
        let head = try SignedTreeHead.sign(
            treeSize: frontier.size, timestampMs: max(timestampMs, latestHead?.timestampMs ?? 0), rootHash: root,
            signer: signer)
        // TreeHeadRules hold by construction (the size and root are the frontier's, the time is
        // at least the latest head's); checking the fresh signature again would cost a verify per batch.
        let receipts = try (rows.firstIndex..<frontier.size).map { index in
            let plan = try ProofPlan.inclusion(leafIndex: index, treeSize: head.treeSize, currentSize: head.treeSize)
            let path = try plan.resolve { node in
                guard let hash = known[node] else {
                    throw HiveError(.inconsistent, "\(node) is neither on the old frontier nor completed by the append")
                }
                return hash
            }
            return InclusionReceipt(leafIndex: index, treeHead: head, path: path)
        }
        return PreparedAppend(
            entries: entries, rows: rows, head: head, receipts: receipts, tipAfter: LedgerTip(frontier: frontier, latestHead: head))
    }
}

/// One append computed by ``LedgerTip/prepareAppend(_:signer:timestampMs:)``, ready to store.
public struct PreparedAppend: Sendable {
    /// The entries, in order.
    public let entries: [[UInt8]]
    /// The leaf and interior hashes to store with them.
    public let rows: LedgerAppendRows
    /// The signed head covering the log after the append.
    public let head: SignedTreeHead
    /// One receipt per entry, under ``head``.
    public let receipts: [InclusionReceipt]
    /// The log's tip once the append is stored.
    public let tipAfter: LedgerTip
}
