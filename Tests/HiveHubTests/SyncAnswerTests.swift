import Crypto
import Foundation
import HiveCore
import HiveLedger
import Testing

@testable import HiveHub

/// ``SyncAnswer/jsonBytes()`` (what `POST /sync` sends) against its `Codable` encoding: the same
/// JSON value, member for member.
@Suite("Sync answer JSON")
struct SyncAnswerTests {
    static func json(_ bytes: some DataProtocol) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test("with and without receipts, tree head and consistency proof: the same JSON value as the Codable encoding")
    func sameValue() throws {
        let key = Ed25519TreeHeadSigner(Curve25519.Signing.PrivateKey())
        let entries = (0..<5).map { Array("entry-\($0)".utf8) }
        let prepared = try LedgerTip(frontier: MerkleFrontier(), latestHead: nil).prepareAppend(entries, signer: key, timestampMs: 9)
        let ids = ["env-a", "env/b", "env\"c", "env-d", "env-e"]
        let response = OmegaSyncResponse(
            success: true, results: ids.map { .init(id: $0, status: .accepted) }, pull: nil, pullSignature: nil,
            metadata: .init(viewerRank: 3, patternsReceived: 5, patternsSent: 0, nextSyncRecommended: 60_000),
            accessToken: "token", accessTokenExpiresAt: 1_800_000_000_000)
        let consistency = ConsistencyProof(firstSize: 2, secondSize: 5, path: prepared.receipts[0].path)
        for (receiptCount, withLedger) in [(0, false), (1, false), (5, true), (0, true)] {
            var answer = SyncAnswer(
                response: response, receipts: Dictionary(uniqueKeysWithValues: zip(ids, prepared.receipts).prefix(receiptCount).map { ($0, $1) }))
            if withLedger {
                answer.treeHead = prepared.head
                answer.consistency = consistency
            }
            let fast = try answer.jsonBytes()
            #expect(try Self.json(fast) == (try Self.json(try HiveJSON.encode(answer))))
            #expect(try Self.json(fast)["receipts"] as? NSDictionary != nil)
        }
    }
}
