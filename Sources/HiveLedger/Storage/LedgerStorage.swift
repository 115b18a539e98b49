import HiveCore

/// Durable home of a ledger: its entries, the hashes of every complete subtree and the signed
/// tree heads. Entries, hashes and heads are immutable once written; the log only grows.
///
/// Implementations: ``InMemoryLedgerStorage`` (tests), and in `HiveLedgerStorage` SQLite and
/// PostgreSQL stores. Everything above raw storage — proofs, roots, signing, auditing — is
/// written once, in extensions over this protocol.
public protocol LedgerStorage: Sendable {
    /// Number of entries (the current tree size).
    func size() async throws -> UInt64

    /// Appends `entries` as one atomic batch, storing each leaf hash and every subtree hash the
    /// batch completes; returns the indices the entries received. An empty batch is refused
    /// with ``HiveError/Code/invalidInput``; entries longer than ``LedgerLimits/maxEntryBytes`` too.
    @discardableResult
    func append(_ entries: [[UInt8]]) async throws -> Range<UInt64>

    /// The entries at `range` (which must lie within the log), in order.
    func entries(in range: Range<UInt64>) async throws -> [[UInt8]]

    /// The stored leaf hashes at `range` (which must lie within the log), in order.
    func leafHashes(in range: Range<UInt64>) async throws -> [TreeHash]

    /// The stored hashes of complete subtrees (level 0 = leaf hashes), aligned with `nodes`;
    /// throws ``HiveError/Code/notFound`` if one is not complete yet.
    func nodeHashes(_ nodes: [NodeID]) async throws -> [TreeHash]

    /// Stores a signed tree head. Refused unless its size is within the log, its root is the
    /// log's root at that size, its signature verifies and its timestamp is not earlier than
    /// the head below it; storing the same head twice is a no-op, a different head for a size
    /// that has one is ``HiveError/Code/duplicate``.
    func storeTreeHead(_ head: SignedTreeHead) async throws

    /// The stored head for exactly `treeSize`, if any.
    func treeHead(size treeSize: UInt64) async throws -> SignedTreeHead?

    /// The stored head with the largest tree size, if any.
    func latestTreeHead() async throws -> SignedTreeHead?

    /// Stored heads with sizes in `sizes`, by increasing size.
    func treeHeads(sizes: Range<UInt64>) async throws -> [SignedTreeHead]
}

/// Limits shared by every storage implementation.
public enum LedgerLimits {
    /// Largest entry accepted (1 MiB): entries are records of decisions, not blobs.
    public static let maxEntryBytes = 1 << 20
    /// Largest number of entries one append may carry.
    public static let maxBatch = 100_000
    /// Largest range one read may cover.
    public static let maxReadRange: UInt64 = 100_000

    /// Validates an append batch; throws ``HiveError/Code/invalidInput`` naming the problem.
    public static func validate(batch entries: [[UInt8]]) throws {
        guard !entries.isEmpty else { throw HiveError(.invalidInput, "an append needs at least one entry") }
        guard entries.count <= maxBatch else {
            throw HiveError(.invalidInput, "an append carries at most \(maxBatch) entries, got \(entries.count)")
        }
        for (offset, entry) in entries.enumerated() where entry.count > maxEntryBytes {
            throw HiveError(.invalidInput, "entry \(offset) of the batch has \(entry.count) bytes, more than \(maxEntryBytes)")
        }
    }

    /// Validates a read range against the log size.
    public static func validate(range: Range<UInt64>, size: UInt64) throws {
        guard range.upperBound <= size else {
            throw HiveError(.notFound, "entries \(range.lowerBound)..<\(range.upperBound) are beyond the log's size \(size)")
        }
        guard range.upperBound - range.lowerBound <= maxReadRange else {
            throw HiveError(.invalidInput, "a read covers at most \(maxReadRange) entries, got \(range.upperBound - range.lowerBound)")
        }
    }
}

/// The rules a signed tree head must meet before any storage accepts it.
public enum TreeHeadRules {
    /// Throws unless `head` may be stored in a log of `logSize` entries whose root at the head's
    /// size is `rootAtSize`, between the stored heads `below` and `above` (nearest sizes).
    /// Returns false when the identical head is already stored (nothing to do).
    /// Throws ``HiveError/Code/invalidInput`` if `head` claims more entries than the log has.
    public static func checkSize(_ head: SignedTreeHead, logSize: UInt64) throws {
        guard head.treeSize <= logSize else {
            throw HiveError(.invalidInput, "tree head size \(head.treeSize) is beyond the log's size \(logSize)")
        }
    }

    public static func admit(
        _ head: SignedTreeHead, logSize: UInt64, rootAtSize: TreeHash,
        existing: SignedTreeHead?, below: SignedTreeHead?, above: SignedTreeHead?
    ) throws -> Bool {
        try checkSize(head, logSize: logSize)
        guard head.rootHash == rootAtSize else {
            throw HiveError(.inconsistent, "tree head at size \(head.treeSize) has root \(head.rootHash.hex.prefix(16))…, the log's root is \(rootAtSize.hex.prefix(16))…")
        }
        try head.check()
        if let existing {
            guard existing == head else {
                throw HiveError(.duplicate, "a different tree head is already stored for size \(head.treeSize)")
            }
            return false
        }
        if let below, below.timestampMs > head.timestampMs {
            throw HiveError(.invalidInput, "tree head at size \(head.treeSize) is timestamped before the head at size \(below.treeSize)")
        }
        if let above, above.timestampMs < head.timestampMs {
            throw HiveError(.invalidInput, "tree head at size \(head.treeSize) is timestamped after the head at size \(above.treeSize)")
        }
        return true
    }
}
