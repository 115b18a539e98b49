import Crypto
import HiveCore
import Testing
@testable import HiveLedger

/// ``LedgerTip/prepareAppend(_:signer:timestampMs:)``: an append computed without the store must
/// give the roots, rows and receipts the textbook definitions give.
@Suite("Ledger tip: appends computed in memory")
struct LedgerTipTests {
    let key = Ed25519TreeHeadSigner(Curve25519.Signing.PrivateKey())

    @Test("from every start size up to 40 and batch sizes 1-9: root, receipts and the rows a store would write")
    func appendsMatchTheReference() throws {
        for start in 0...40 {
            for batch in 1...9 {
                let before = Reference.entries(start, seed: "old")
                let added = Reference.entries(batch, seed: "new-\(start)")
                let leaves = (before + added).map(Merkle.leafHash)
                var frontier = MerkleFrontier()
                for leaf in leaves.prefix(start) { frontier.append(leafHash: leaf) }
                let tip = LedgerTip(frontier: frontier, latestHead: nil)
                let prepared = try tip.prepareAppend(added, signer: key, timestampMs: 1_000)

                #expect(prepared.head.treeSize == UInt64(start + batch))
                #expect(prepared.head.rootHash == Reference.mth(leaves[...]))
                try prepared.head.check(publicKey: key.publicKeyBytes)
                #expect(prepared.rows.firstIndex == UInt64(start))
                #expect(prepared.rows.leafHashes == Array(leaves.dropFirst(start)))
                // The interior rows are what a frontier appending the same leaves reports.
                var expected: [UInt64] = []
                var replay = frontier
                for leaf in leaves.dropFirst(start) {
                    replay.append(leafHash: leaf) { node, _ in if node.level > 0 { expected.append(node.interiorOrdinal) } }
                }
                #expect(prepared.rows.interiorNodes.map(\.ordinal) == expected)
                #expect(prepared.tipAfter.frontier == replay)
                #expect(prepared.receipts.count == batch)
                for (offset, receipt) in prepared.receipts.enumerated() {
                    #expect(receipt.leafIndex == UInt64(start + offset))
                    #expect(receipt.path == Reference.path(start + offset, leaves[...]))
                    #expect(receipt.verify(entry: added[offset], publicKey: key.publicKeyBytes))
                }
            }
        }
    }

    @Test("heads never run backwards in time; a chain of appends keeps extending the same log")
    func chainedAppends() throws {
        var tip = LedgerTip(frontier: MerkleFrontier(), latestHead: nil)
        var all: [[UInt8]] = []
        for (round, time) in [UInt64(5_000), 4_000, 6_000].enumerated() {
            let batch = Reference.entries(round + 3, seed: "round-\(round)")
            let prepared = try tip.prepareAppend(batch, signer: key, timestampMs: time)
            all += batch
            #expect(prepared.head.timestampMs == max(time, tip.latestHead?.timestampMs ?? 0))
            #expect(prepared.head.rootHash == Reference.mth(all.map(Merkle.leafHash)[...]))
            tip = prepared.tipAfter
        }
        #expect(tip.latestHead?.timestampMs == 6_000)
        #expect(tip.size == UInt64(all.count))
    }

    @Test("an empty or oversized batch is refused")
    func badBatches() throws {
        let tip = LedgerTip(frontier: MerkleFrontier(), latestHead: nil)
        #expect(throws: HiveError.self) { try tip.prepareAppend([], signer: key, timestampMs: 1) }
        #expect(throws: HiveError.self) {
            try tip.prepareAppend([[UInt8](repeating: 1, count: LedgerLimits.maxEntryBytes + 1)], signer: key, timestampMs: 1)
        }
    }
}
