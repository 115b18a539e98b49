import HiveCore
import HiveLedger
import HiveLedgerStorage
import Logging
import PostgresNIO

/// Writes hub ledger entries on the connection of the hub's own PostgreSQL transaction
/// (``LedgerPostgres`` takes its advisory lock, so replicas append one after another).
enum HubLedgerPostgres {
    /// Appends `entries` (in order); with a signer, signs a head covering them and returns one
    /// receipt per entry (empty without a signer or without entries).
    static func record(
        _ entries: [HubLedgerEntry], signer: (any TreeHeadSigner)?, nowMs: Int64, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [InclusionReceipt] {
        guard !entries.isEmpty else { return [] }
        let encoded = try entries.map { try $0.encoded() }
        guard let signer else {
            try await LedgerPostgres.append(encoded, on: connection, logger: logger)
            return []
        }
        // Heads must not run backwards in time even if the wall clock does (appendSigned keeps the latest head's floor).
        let (range, head) = try await LedgerPostgres.appendSigned(
            encoded, signer: signer, timestampMs: UInt64(max(nowMs, 0)), on: connection, logger: logger)
        // Every receipt's audit path from one lookup of the subtrees they need (a batch's paths
        // share most of them) instead of a size query and a node query per entry. The append
        // lock is held, so the log's size is the head's.
        let plans = try range.map { try ProofPlan.inclusion(leafIndex: $0, treeSize: head.treeSize, currentSize: head.treeSize) }
        var needed: [NodeID] = []
        var seen = Set<NodeID>()
        for plan in plans {
            for node in plan.nodes where seen.insert(node).inserted { needed.append(node) }
        }
        let hashes = Dictionary(
            uniqueKeysWithValues: zip(needed, try await LedgerPostgres.nodeHashes(needed, on: connection, logger: logger)))
        return try zip(range, plans).map { index, plan in
            let path = try plan.resolve { node in
                guard let hash = hashes[node] else { throw HiveError(.inconsistent, "\(node) is missing from the proof lookup") }
                return hash
            }
            return InclusionReceipt(leafIndex: index, treeHead: head, path: path)
        }
    }
}
