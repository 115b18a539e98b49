/// The rows one append batch adds to durable storage.
public struct LedgerAppendRows: Sendable {
    /// Index of the first entry of the batch.
    public var firstIndex: UInt64
    /// Leaf hash of each entry of the batch, in order.
    public var leafHashes: [TreeHash] = []
    /// Interior subtree hashes the batch completed, keyed by ``NodeID/interiorOrdinal`` (increasing).
    public var interiorNodes: [(ordinal: UInt64, hash: TreeHash)] = []
}

extension MerkleFrontier {
    /// Appends a batch of entries and returns the hashes storage must write for it.
    public mutating func append(batch entries: [[UInt8]]) -> LedgerAppendRows {
        var rows = LedgerAppendRows(firstIndex: size)
        rows.leafHashes.reserveCapacity(entries.count)
        rows.interiorNodes.reserveCapacity(entries.count + 64)
        for entry in entries {
            let leaf = Merkle.leafHash(entry)
            rows.leafHashes.append(leaf)
            append(leafHash: leaf) { node, hash in
                if node.level > 0 { rows.interiorNodes.append((node.interiorOrdinal, hash)) }
            }
        }
        return rows
    }
}
