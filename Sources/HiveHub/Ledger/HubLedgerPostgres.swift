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
        let range = try await LedgerPostgres.append(try entries.map { try $0.encoded() }, on: connection, logger: logger)
        guard let signer else { return [] }
        let floor = try await LedgerPostgres.latestTreeHead(on: connection, logger: logger)?.timestampMs ?? 0
        let head = try await LedgerPostgres.signTreeHead(
            signer: signer, timestampMs: max(floor, UInt64(max(nowMs, 0))), on: connection, logger: logger)
        var receipts: [InclusionReceipt] = []
        for index in range {
            let proof = try await LedgerPostgres.inclusionProof(
                leafIndex: index, treeSize: head.treeSize, on: connection, logger: logger)
            receipts.append(InclusionReceipt(leafIndex: index, treeHead: head, path: proof.path))
        }
        return receipts
    }
}
