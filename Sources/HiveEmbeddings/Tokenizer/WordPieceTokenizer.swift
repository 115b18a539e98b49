import Foundation
import HiveCore

/// BERT's tokenizer: basic tokenisation, then greedy longest-match WordPiece with `##`
/// continuations and `[UNK]`, wrapped in `[CLS]` … `[SEP]` and truncated to ``maxLength``.
///
/// Compatible with the Hugging Face tokenizer the model ships with, including its handling of
/// special tokens written literally in the input (`"[SEP]"` in the text becomes the `[SEP]` id).
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: Vocabulary
    /// The longest sequence produced, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    /// Words longer than this many characters become `[UNK]`, as in BERT.
    public let maxCharactersPerWord = 100
    public let clsID: Int32
    public let sepID: Int32
    public let unkID: Int32
    public let padID: Int32
    private let normalizer: BertNormalizer
    /// Special tokens matched verbatim in raw text, longest first.
    private let specialTokens: [(text: [UInt8], id: Int32)]

    /// - Throws: `HiveError(.malformed)` when the vocabulary lacks a special token;
    ///   `HiveError(.invalidInput)` when `maxLength` is below 2.
    public init(vocabulary: Vocabulary, maxLength: Int = 256, lowercase: Bool = true) throws(HiveError) {
        guard maxLength >= 2 else {
            throw HiveError(.invalidInput, "tokenizer maxLength must be at least 2, got \(maxLength)")
        }
        func required(_ token: String) throws(HiveError) -> Int32 {
            guard let id = vocabulary.id(of: token) else {
                throw HiveError(.malformed, "vocab.txt has no \(token) token")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.maxLength = maxLength
        clsID = try required("[CLS]")
        sepID = try required("[SEP]")
        unkID = try required("[UNK]")
        padID = try required("[PAD]")
        normalizer = BertNormalizer(lowercase: lowercase, stripAccents: lowercase)
        var specials: [(text: [UInt8], id: Int32)] = []
        for token in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] {
            if let id = vocabulary.id(of: token) { specials.append((Array(token.utf8), id)) }
        }
        specialTokens = specials.sorted { $0.text.count > $1.text.count }
    }

    /// Token ids for `text`: `[CLS]`, at most `maxLength - 2` pieces, `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [clsID]
        ids.reserveCapacity(min(maxLength, text.utf8.count / 3 + 8))
        let budget = maxLength - 2
        var scratch: [UInt8] = []
        for segment in segments(text) {
            if ids.count - 1 >= budget { break }
            switch segment {
            case .special(let id):
                ids.append(id)
            case .text(let range):
                normalizer.forEachWord(in: text[range], scratch: &scratch) { word in
                    appendPieces(of: word, to: &ids, budget: budget)
                    return ids.count - 1 < budget
                }
            }
        }
        if ids.count - 1 > budget { ids.removeLast(ids.count - 1 - budget) }
        ids.append(sepID)
        return ids
    }

    /// The pieces of `text` as strings, without `[CLS]`/`[SEP]` (for inspection and tests).
    public func tokens(_ text: String) -> [String] {
        encode(text).dropFirst().dropLast().map { vocabulary.token(Int($0)) ?? "[?]" }
    }

    private enum Segment {
        case text(Range<String.Index>)
        case special(Int32)
    }

    /// Splits raw text around literal special tokens (matched before normalisation, case-sensitive).
    private func segments(_ text: String) -> [Segment] {
        let utf8 = text.utf8
        guard utf8.contains(0x5B) else { return [.text(text.startIndex..<text.endIndex)] }
        var result: [Segment] = []
        let bytes = Array(utf8)
        var segmentStart = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x5B,
                let match = specialTokens.first(where: { special in
                    index + special.text.count <= bytes.count
                        && bytes[index..<(index + special.text.count)].elementsEqual(special.text)
                })
            {
                if segmentStart < index {
                    result.append(.text(Self.range(in: text, segmentStart, index)))
                }
                result.append(.special(match.id))
                index += match.text.count
                segmentStart = index
            } else {
                index += 1
            }
        }
        if segmentStart < bytes.count {
            result.append(.text(Self.range(in: text, segmentStart, bytes.count)))
        }
        return result
    }

    /// Byte offsets sit on ASCII `[`/`]` boundaries, so they are valid scalar boundaries.
    private static func range(in text: String, _ start: Int, _ end: Int) -> Range<String.Index> {
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: start)
        let upper = utf8.index(utf8.startIndex, offsetBy: end)
        return lower..<upper
    }

    /// Greedy longest-match-first WordPiece over one word's UTF-8 bytes.
    private func appendPieces(of word: UnsafeBufferPointer<UInt8>, to ids: inout [Int32], budget: Int) {
        var characters = 0
        for byte in word where byte & 0xC0 != 0x80 { characters += 1 }
        if characters > maxCharactersPerWord {
            ids.append(unkID)
            return
        }
        let firstPiece = ids.count
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while end > start {
                let piece = UnsafeBufferPointer(rebasing: word[start..<end])
                if let id = vocabulary.lookup(piece, continuation: start > 0) {
                    found = id
                    break
                }
                // Step back one whole character.
                end -= 1
                while end > start, word[end] & 0xC0 == 0x80 { end -= 1 }
            }
            guard let id = found else {
                ids.removeLast(ids.count - firstPiece)
                ids.append(unkID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
