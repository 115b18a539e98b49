import HiveCore
import Synchronization

/// A ledger held in memory, for unit tests and as a reference; nothing survives the process.
public final class InMemoryLedgerStorage: LedgerStorage {
    private struct State {
        var entries: [[UInt8]] = []
        var tree = MerkleTree()
        var heads: [UInt64: SignedTreeHead] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func size() async throws -> UInt64 {
        state.withLock { $0.tree.size }
    }

    @discardableResult
    public func append(_ entries: [[UInt8]]) async throws -> Range<UInt64> {
        try LedgerLimits.validate(batch: entries)
        let hashes = entries.map { Merkle.leafHash($0) }
        return state.withLock { state in
            let start = state.tree.size
            state.entries += entries
            for hash in hashes { state.tree.append(leafHash: hash) }
            return start..<state.tree.size
        }
    }

    public func entries(in range: Range<UInt64>) async throws -> [[UInt8]] {
        try state.withLock { state in
            try LedgerLimits.validate(range: range, size: state.tree.size)
            return Array(state.entries[Int(range.lowerBound)..<Int(range.upperBound)])
        }
    }

    public func leafHashes(in range: Range<UInt64>) async throws -> [TreeHash] {
        try state.withLock { state in
            try LedgerLimits.validate(range: range, size: state.tree.size)
            return Array(try state.tree.leafHashes(in: range))
        }
    }

    public func nodeHashes(_ nodes: [NodeID]) async throws -> [TreeHash] {
        try state.withLock { state in try nodes.map { try state.tree.hash(of: $0) } }
    }

    public func storeTreeHead(_ head: SignedTreeHead) async throws {
        try state.withLock { state in
            try TreeHeadRules.checkSize(head, logSize: state.tree.size)
            let root = try state.tree.rootHash(atSize: head.treeSize)
            let below = state.heads.values.filter { $0.treeSize < head.treeSize }.max { $0.treeSize < $1.treeSize }
            let above = state.heads.values.filter { $0.treeSize > head.treeSize }.min { $0.treeSize < $1.treeSize }
            if try TreeHeadRules.admit(
                head, logSize: state.tree.size, rootAtSize: root,
                existing: state.heads[head.treeSize], below: below, above: above)
            {
                state.heads[head.treeSize] = head
            }
        }
    }

    public func treeHead(size treeSize: UInt64) async throws -> SignedTreeHead? {
        state.withLock { $0.heads[treeSize] }
    }

    public func latestTreeHead() async throws -> SignedTreeHead? {
        state.withLock { $0.heads.values.max { $0.treeSize < $1.treeSize } }
    }

    public func treeHeads(sizes: Range<UInt64>) async throws -> [SignedTreeHead] {
        state.withLock { $0.heads.values.filter { sizes.contains($0.treeSize) }.sorted { $0.treeSize < $1.treeSize } }
    }

    /// Replaces entry `index` behind the log's back (its leaf hash is kept), to test that
    /// auditing catches tampering. Not part of ``LedgerStorage``: real stores refuse updates.
    public func tamper(entry index: UInt64, with data: [UInt8]) throws {
        try state.withLock { state in
            guard index < state.tree.size else { throw HiveError(.notFound, "no entry \(index)") }
            state.entries[Int(index)] = data
        }
    }
}
