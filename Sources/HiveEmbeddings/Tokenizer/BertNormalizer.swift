import Foundation

/// BERT's "basic tokenisation", as the model's own (Hugging Face `tokenizers`) normaliser and
/// pre-tokeniser do it: drop NUL, U+FFFD and control characters; turn whitespace into spaces;
/// put spaces around CJK ideographs; NFD then drop non-spacing marks (accents); lower-case; then
/// split on whitespace and isolate every punctuation character as its own word.
struct BertNormalizer: Sendable {
    var lowercase = true
    var stripAccents = true

    /// Normalises `text` and calls `body` with the UTF-8 bytes of each word, in order, until
    /// `body` returns false.
    func forEachWord(
        in text: Substring, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        let scalars = normalizedScalars(text)
        scratch.removeAll(keepingCapacity: true)
        var keepGoing = true
        func flush() {
            guard !scratch.isEmpty, keepGoing else {
                scratch.removeAll(keepingCapacity: true)
                return
            }
            keepGoing = scratch.withUnsafeBufferPointer { body($0) }
            scratch.removeAll(keepingCapacity: true)
        }
        for scalar in scalars {
            if !keepGoing { return }
            if Self.isWhitespace(scalar) {
                flush()
            } else if Self.isPunctuation(scalar) {
                flush()
                Self.appendUTF8(scalar, to: &scratch)
                flush()
            } else {
                Self.appendUTF8(scalar, to: &scratch)
            }
        }
        flush()
    }

    /// The normalised text as scalars (before splitting).
    func normalizedScalars(_ text: Substring) -> [Unicode.Scalar] {
        var cleaned: [Unicode.Scalar] = []
        cleaned.reserveCapacity(text.utf8.count + 8)
        var allASCII = true
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                // ASCII fast path: controls other than \t \n \r are dropped, whitespace becomes ' '.
                if value == 0x09 || value == 0x0A || value == 0x0D || value == 0x20 {
                    cleaned.append(" ")
                } else if value < 0x20 || value == 0x7F {
                    continue
                } else {
                    cleaned.append(lowercase ? Self.asciiLower(scalar) : scalar)
                }
                continue
            }
            allASCII = false
            if value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isCJK(value) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        if allASCII { return cleaned }

        var decomposed: [Unicode.Scalar]
        if stripAccents {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: cleaned)
            let nfd = String(view).decomposedStringWithCanonicalMapping
            decomposed = []
            decomposed.reserveCapacity(cleaned.count + 8)
            for scalar in nfd.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
                decomposed.append(scalar)
            }
        } else {
            decomposed = cleaned
        }
        guard lowercase else { return decomposed }
        var lowered: [Unicode.Scalar] = []
        lowered.reserveCapacity(decomposed.count + 8)
        for scalar in decomposed {
            if scalar.value < 0x80 {
                lowered.append(Self.asciiLower(scalar))
            } else if scalar.properties.changesWhenLowercased {
                lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                lowered.append(scalar)
            }
        }
        return lowered
    }

    static func asciiLower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        return value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar
    }

    /// `\t`, `\n`, `\r` and the Unicode White_Space property.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x20: return true
        case 0..<0x80: return false
        default: return scalar.properties.isWhitespace
        }
    }

    /// Categories Cc, Cf, Co, Cs — except `\t`, `\n`, `\r`, which count as whitespace. Unassigned
    /// code points (Cn) are kept, as the model's tokenizer keeps them (they end up as `[UNK]`).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// ASCII punctuation (which includes symbols such as `$`, `+`, `^`) and Unicode categories P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value)
        {
            return true
        }
        if value < 0x80 { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT spaces out (not Hangul, Hiragana or Katakana).
    static func isCJK(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x20000...0x2A6DF).contains(value) || (0x2A700...0x2B73F).contains(value)
            || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            buffer.append(UInt8(value))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | (value >> 6)))
            buffer.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | (value >> 12)))
            buffer.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (value & 0x3F)))
        default:
            buffer.append(UInt8(0xF0 | (value >> 18)))
            buffer.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            buffer.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            buffer.append(UInt8(0x80 | (value & 0x3F)))
        }
    }
}
