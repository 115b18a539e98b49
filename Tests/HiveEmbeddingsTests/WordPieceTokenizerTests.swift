import Foundation
import HiveCore
import Testing

@testable import HiveEmbeddings

@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    let tokenizer: WordPieceTokenizer

    init() throws {
        let vocabulary = try Vocabulary(data: Data(TestModel.vocabulary.joined(separator: "\n").utf8))
        tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, maxLength: 16)
    }

    @Test("greedy longest match with ## continuations")
    func greedy() {
        #expect(tokenizer.tokens("unaffable cats") == ["un", "##aff", "##able", "cat", "##s"])
        #expect(tokenizer.tokens("hello, world!") == ["hello", ",", "world", "!"])
    }

    @Test("a word that cannot be pieced together is one [UNK]")
    func unknown() {
        // "7" is in no piece, so the whole word is unknown, not just its tail.
        #expect(tokenizer.tokens("cat7 sat") == ["[UNK]", "sat"])
        #expect(tokenizer.tokens(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(!tokenizer.tokens(String(repeating: "a", count: 100)).contains("[UNK]"))
    }

    @Test("lower-cases, strips accents, drops controls, cleans whitespace")
    func normalisation() {
        #expect(tokenizer.tokens("HELLO  Café\t\n\u{0007}World\u{200B}") == ["hello", "cafe", "world"])
        #expect(tokenizer.tokens("CAFE\u{0301}") == ["cafe"])
    }

    @Test("CJK ideographs become separate words")
    func cjk() {
        #expect(tokenizer.tokens("中国") == ["中", "国"])
    }

    @Test("[CLS] and [SEP] wrap every sequence; the empty string is just the two")
    func specials() {
        #expect(tokenizer.encode("") == [tokenizer.clsID, tokenizer.sepID])
        #expect(tokenizer.encode("   \u{0000}\u{FFFD} ") == [tokenizer.clsID, tokenizer.sepID])
        #expect(tokenizer.tokens("the [SEP] cat") == ["the", "[SEP]", "cat"])
        // Matching is case-sensitive: "[sep]" is ordinary text ("[" and "]" are not in this vocabulary).
        #expect(tokenizer.tokens("[sep]") == ["[UNK]", "s", "##e", "##p", "[UNK]"])
    }

    @Test("truncates to maxLength, keeping [SEP] last")
    func truncation() {
        let ids = tokenizer.encode(String(repeating: "hello ", count: 100_000 / 6))
        #expect(ids.count == 16)
        #expect(ids.first == tokenizer.clsID)
        #expect(ids.last == tokenizer.sepID)
    }

    @Test("invalid UTF-8 in vocab.txt is an error naming the line")
    func invalidVocabulary() {
        var bytes = Array("[PAD]\n[UNK]\n".utf8)
        bytes += [0x66, 0xFF, 0x6F, 0x0A]
        #expect(throws: HiveError.self) { try Vocabulary(data: Data(bytes)) }
        do {
            _ = try Vocabulary(data: Data(bytes))
        } catch {
            #expect(error.message.contains("vocab.txt line 3"))
        }
        #expect(throws: HiveError.self) { try Vocabulary(data: Data()) }
    }

    @Test("a vocabulary without [CLS] is rejected")
    func missingSpecial() throws {
        let vocabulary = try Vocabulary(data: Data("[PAD]\n[UNK]\nhello\n".utf8))
        #expect(throws: HiveError.self) { try WordPieceTokenizer(vocabulary: vocabulary) }
    }
}
