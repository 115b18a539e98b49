import GRDB
import HiveCore
import HiveLedger
import HiveLedgerStorage

/// Writes hub ledger entries inside the hub's own SQLite write transaction, so an entry commits
/// or rolls back together with the state change it records.
enum HubLedgerSQLite {
    /// Appends `entries` (in order); with a signer, signs a head covering them and returns one
    /// receipt per entry (empty without a signer or without entries).
    static func record(
        _ entries: [HubLedgerEntry], signer: (any TreeHeadSigner)?, nowMs: Int64, _ db: Database
    ) throws -> [InclusionReceipt] {
        guard !entries.isEmpty else { return [] }
        let range = try LedgerSQLite.append(try entries.map { try $0.encoded() }, in: db)
        guard let signer else { return [] }
        // Heads must not run backwards in time even if the wall clock does.
        let floor = try LedgerSQLite.latestTreeHead(db)?.timestampMs ?? 0
        let head = try LedgerSQLite.signTreeHead(signer: signer, timestampMs: max(floor, UInt64(max(nowMs, 0))), db)
        return try range.map { index in
            let proof = try LedgerSQLite.inclusionProof(leafIndex: index, treeSize: head.treeSize, db)
            return InclusionReceipt(leafIndex: index, treeHead: head, path: proof.path)
        }
    }
}
