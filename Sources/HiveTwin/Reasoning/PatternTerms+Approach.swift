import Foundation
import GRDB
import HiveCore

/// A pattern's approach text as codes into the same dictionary as its tags (schema v6).
///
/// The text is cut into words — maximal runs of ASCII letters and non-ASCII characters — and
/// what lies between them. A word of at most ``maxWordBytes`` bytes is stored as its term code;
/// everything else (spaces, digits, punctuation, longer words) is stored as literal bytes. Each
/// item is one varint `v`, whose two low bits say what it is:
///
/// - `0`: the word with code `v >> 2`, preceded by one space (the common case);
/// - `1`: the word with code `v >> 2`, not preceded by a space;
/// - `2`: `v >> 2` literal bytes follow;
/// - `3`: not used (a malformed row).
///
/// The dictionary is the store's own: words enter it the first time a pattern uses them, like
/// tags do, and nothing in it is predefined. A word seen before costs one byte while the
/// dictionary holds fewer than 32 terms and two below 4,096 — a 6-byte English word with its space
/// typically becomes 2 bytes; a word seen once costs its dictionary row. Words are cut only at
/// ASCII bytes, which never occur inside a multi-byte UTF-8 character, so every word and literal
/// is valid UTF-8 on its own and the text reads back byte for byte.
extension PatternTerms {
    /// Longer letter runs (identifiers, hashes, run-together scripts) are kept literal, not
    /// added to the dictionary, where they would rarely repeat.
    static let maxWordBytes = 32

    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
    }

    /// The approach as word codes and literals (never an empty blob, which SQLite may bind as NULL).
    mutating func encode(approach: String, in db: Database) throws -> Data {
        var out = Data()
        var literal: [UInt8] = []
        func flush() {
            guard !literal.isEmpty else { return }
            PatternRowCodec.appendVarint(literal.count << 2 | 2, to: &out)
            out.append(contentsOf: literal)
            literal.removeAll(keepingCapacity: true)
        }
        var utf8 = Array(approach.utf8)[...]
        while let first = utf8.first {
            guard Self.isWordByte(first) else {
                literal.append(first)
                utf8 = utf8.dropFirst()
                continue
            }
            let end = utf8.firstIndex { !Self.isWordByte($0) } ?? utf8.endIndex
            let word = utf8[..<end]
            utf8 = utf8[end...]
            guard word.count <= Self.maxWordBytes else {
                literal.append(contentsOf: word)
                continue
            }
            let spaced = literal.last == 0x20
            if spaced { literal.removeLast() }
            flush()
            let code = try code(for: Array(word), in: db)
            PatternRowCodec.appendVarint(Int(code) << 2 | (spaced ? 0 : 1), to: &out)
        }
        flush()
        if out.isEmpty { PatternRowCodec.appendVarint(2, to: &out) }  // an empty literal: the empty text
        return out
    }

    /// The approach text of a stored row; ``HiveError/Code/malformed`` for a truncated or
    /// unknown item, an unknown code, or bytes that are not UTF-8.
    func decodeApproach(_ data: Data, in db: Database) throws -> String {
        // Parsed in place (no copy of the blob): every search hit decodes one.
        var text: [UInt8] = []
        text.reserveCapacity(data.count * 4)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                var item = 0
                var shift = 0
                while true {
                    guard offset < raw.count else { throw HiveError(.malformed, "pattern approach: truncated") }
                    let byte = raw[offset]
                    offset += 1
                    item |= Int(byte & 0x7F) << shift
                    if byte < 0x80 { break }
                    shift += 7
                    guard shift < 35 else { throw HiveError(.malformed, "pattern approach: oversized item") }
                }
                switch item & 3 {
                case 0, 1:
                    if item & 3 == 0 { text.append(0x20) }
                    text.append(contentsOf: try term(Int64(item >> 2), in: db).utf8)
                case 2:
                    let length = item >> 2
                    guard length <= raw.count - offset else { throw HiveError(.malformed, "pattern approach: a literal overruns its blob") }
                    text.append(contentsOf: raw[offset..<offset + length])
                    offset += length
                default:
                    throw HiveError(.malformed, "pattern approach: unknown item kind \(item & 3)")
                }
            }
        }
        guard let approach = String(validating: text, as: UTF8.self) else {
            throw HiveError(.malformed, "pattern approach: the text is not UTF-8")
        }
        return approach
    }
}
