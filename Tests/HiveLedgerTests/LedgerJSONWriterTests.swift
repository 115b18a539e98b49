import Crypto
import Foundation
import HiveCore
import Testing
@testable import HiveLedger

/// ``LedgerJSONWriter`` must write exactly the bytes the types' `Codable` encodings give with
/// sorted keys (`HiveJSON.encode`).
@Suite("Ledger JSON writer")
struct LedgerJSONWriterTests {
    let key = Ed25519TreeHeadSigner(Curve25519.Signing.PrivateKey())

    func written(_ body: (inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        body(&out)
        return out
    }

    @Test("heads, receipts and consistency proofs: byte for byte what JSONEncoder writes, empty paths and extreme values included")
    func sameBytesAsCodable() throws {
        var tip = LedgerTip(frontier: MerkleFrontier(), latestHead: nil)
        for (round, size) in [1, 2, 7, 30].enumerated() {
            let prepared = try tip.prepareAppend(Reference.entries(size, seed: "r\(round)"), signer: key, timestampMs: UInt64(1_000 + round))
            #expect(written { LedgerJSONWriter.append(prepared.head, to: &$0) } == Array(try HiveJSON.encode(prepared.head)))
            for receipt in prepared.receipts {
                #expect(written { LedgerJSONWriter.append(receipt, to: &$0) } == Array(try HiveJSON.encode(receipt)))
            }
            tip = prepared.tipAfter
        }
        let extreme = SignedTreeHead(
            treeSize: .max, timestampMs: 0, rootHash: Merkle.emptyRoot, signerKey: [UInt8](repeating: 0xFF, count: 32),
            signature: [UInt8](repeating: 0, count: 64))
        #expect(written { LedgerJSONWriter.append(extreme, to: &$0) } == Array(try HiveJSON.encode(extreme)))
        let hashes = Reference.entries(5).map(Merkle.leafHash)
        for proof in [
            ConsistencyProof(firstSize: 0, secondSize: 0, path: []),
            ConsistencyProof(firstSize: 3, secondSize: .max, path: hashes),
        ] {
            #expect(written { LedgerJSONWriter.append(proof, to: &$0) } == Array(try HiveJSON.encode(proof)))
        }
    }

    @Test("strings are escaped as JSONEncoder escapes them")
    func strings() throws {
        for text in ["plain-id", "a/b", "quote\"d", "back\\slash", "line\nbreak\ttab\r", "é ü 漢字 🐝", "", "\u{1}\u{1F}"] {
            let mine = written { LedgerJSONWriter.appendString(text, to: &$0) }
            #expect(try JSONDecoder().decode(String.self, from: Data(mine)) == text)
            if !text.unicodeScalars.contains(where: { $0.value < 0x20 && !["\n", "\t", "\r"].contains(Character($0)) }) {
                #expect(mine == Array(try HiveJSON.encode(text)))
            }
        }
    }
}
