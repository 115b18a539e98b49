import HiveCore

/// Writes the ledger's wire types (tree heads, receipts, consistency proofs) as compact JSON
/// straight into a byte array: the bytes their `Codable` encodings give with sorted keys (tests
/// compare them), without `JSONEncoder`'s per-value containers.
///
/// Why: the hub answers every sync with a receipt per accepted envelope (an audit path of ≈ 20
/// hex hashes and a signed head each). Encoding them with `JSONEncoder` was ≈ 5 % of the hub's CPU
/// at 1,667 syncs/s (docs/benchmarks.md, issue 12 sixth pass).
public enum LedgerJSONWriter {
    /// `{"root_hash":…,"signature":…,"signer_key":…,"timestamp_ms":…,"tree_size":…}`.
    public static func append(_ head: SignedTreeHead, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"root_hash":"#.utf8)
        appendHex(head.rootHash, to: &out)
        out.append(contentsOf: #","signature":"#.utf8)
        appendHex(head.signature, to: &out)
        out.append(contentsOf: #","signer_key":"#.utf8)
        appendHex(head.signerKey, to: &out)
        out.append(contentsOf: #","timestamp_ms":"#.utf8)
        out.append(contentsOf: String(head.timestampMs).utf8)
        out.append(contentsOf: #","tree_size":"#.utf8)
        out.append(contentsOf: String(head.treeSize).utf8)
        out.append(UInt8(ascii: "}"))
    }

    /// `{"leaf_index":…,"path":[…],"tree_head":{…}}`.
    public static func append(_ receipt: InclusionReceipt, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"leaf_index":"#.utf8)
        out.append(contentsOf: String(receipt.leafIndex).utf8)
        out.append(contentsOf: #","path":"#.utf8)
        appendPath(receipt.path, to: &out)
        out.append(contentsOf: #","tree_head":"#.utf8)
        append(receipt.treeHead, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// `{"first_size":…,"path":[…],"second_size":…}`.
    public static func append(_ proof: ConsistencyProof, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"first_size":"#.utf8)
        out.append(contentsOf: String(proof.firstSize).utf8)
        out.append(contentsOf: #","path":"#.utf8)
        appendPath(proof.path, to: &out)
        out.append(contentsOf: #","second_size":"#.utf8)
        out.append(contentsOf: String(proof.secondSize).utf8)
        out.append(UInt8(ascii: "}"))
    }

    /// `string` as a JSON string, escaped as `JSONEncoder` escapes it (quote, backslash, slash,
    /// control characters; everything else as UTF-8).
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "/"): out.append(contentsOf: #"\/"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendPath(_ path: [TreeHash], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (position, hash) in path.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            appendHex(hash, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func appendHex(_ hash: TreeHash, to out: inout [UInt8]) {
        hash.withUnsafeBytes { appendHex($0, to: &out) }
    }

    private static func appendHex(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        out.append(UInt8(ascii: "\""))
    }
}
