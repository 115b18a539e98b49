import Foundation
import PropertyBased
import Testing
@testable import HiveCore

/// The byte-level validator must give the same verdict as the decode-and-re-encode check it replaced.
@Suite("canonical JSON validator agrees with canonicalize-and-compare")
struct CanonicalJSONValidatorTests {
    /// The check `SignedEnvelope.verify` used before: nil when canonical, else the error code.
    static func oldVerdict(_ bytes: [UInt8]) -> HiveError.Code? {
        do {
            return try CanonicalJSON.canonicalize(bytes) == bytes ? nil : .malformed
        } catch {
            return .malformed
        }
    }

    static func newVerdict(_ bytes: [UInt8]) -> HiveError.Code? {
        do {
            try CanonicalJSON.validate(bytes)
            return nil
        } catch let error as HiveError {
            return error.code
        } catch {
            return HiveError.Code(rawValue: "non-hive-error")
        }
    }

    static func expectAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let old = oldVerdict(bytes)
        let new = newVerdict(bytes)
        #expect(old == new, "\(String(decoding: bytes, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
    }


    /// Scalars that stress escaping, UTF-16 ordering (BMP above U+E000 vs supplementary) and
    /// canonical equivalence (KELVIN SIGN == "K", combining marks).
    static let scalars: [String] = [
        "a", "b", "K", "k", "z", "1", "_", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{a}", "\u{c}",
        "\u{d}", "\u{1f}", "\u{7f}", "\u{80}", "é", "e\u{301}", "\u{212A}", "Å", "\u{212B}", "€", "\u{e000}", "\u{fb33}",
        "\u{fffe}", "\u{feff}", "😀", "\u{10ffff}", ";", "\u{37e}",
    ]

    static func randomString(_ rng: inout SeededGenerator) -> String {
        (0..<rng.below(5)).map { _ in rng.pick(scalars) }.joined()
    }

    static func randomNumber(_ rng: inout SeededGenerator) -> Double {
        switch rng.below(6) {
        case 0: return Double(rng.below(2_000_001)) - 1_000_000
        case 1: return Double(Int64(bitPattern: rng.next()) >> rng.below(64))
        case 2: return Double(rng.below(100_000)) / 1000
        case 3:
            let value = Double(bitPattern: rng.next())
            return value.isFinite ? value : 1.5
        case 4: return rng.pick([0, 1e21, 1e20, 1e-7, 1e-6, 5e-324, 1.7976931348623157e308, 9007199254740993, 123456789012345.6])
        default: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())).isFinite ? 0.1 : 0.2) * Double(rng.below(50))
        }
    }

    static func randomValue(_ rng: inout SeededGenerator, depth: Int = 0) -> JSONValue {
        switch rng.below(depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(rng.below(2) == 0)
        case 2: return .number(randomNumber(&rng))
        case 3: return .string(randomString(&rng))
        case 4: return .array((0..<rng.below(4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<rng.below(5) { members[randomString(&rng)] = randomValue(&rng, depth: depth + 1) }
            return .object(members)
        }
    }

    /// Small edits that often turn canonical text into non-canonical JSON or into non-JSON.
    static let insertions: [[UInt8]] = [
        " ", "\n", "\t", ",", ":", "\"", "\\", "0", "-", ".", "e", "E", "+", "1", "{", "}", "[", "]", "\\/", "\\u0041",
        "\\u000A", "\\u000a", "\\ud800", "null", "tru",
    ].map { Array($0.utf8) } + [[0x00], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]

    static func mutate(_ bytes: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        for _ in 0...rng.below(2) {
            let position = bytes.isEmpty ? 0 : rng.below(bytes.count + 1)
            switch rng.below(5) {
            case 0: bytes.insert(contentsOf: rng.pick(insertions), at: position)
            case 1 where position < bytes.count: bytes.remove(at: position)
            case 2 where position < bytes.count: bytes[position] ^= UInt8(1 << rng.below(8))
            case 3 where position + 1 < bytes.count: bytes.swapAt(position, position + 1)
            default:
                // Repeat a span: duplicated members, doubled digits.
                let end = min(bytes.count, position + rng.below(6))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            }
        }
        return bytes
    }

    /// Writes valid JSON in a random, usually non-canonical, spelling.
    static func looseText(_ value: JSONValue, _ rng: inout SeededGenerator) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            let canonical = (try? ECMAScriptNumber.format(number)) ?? "0"
            return rng.pick([canonical, canonical, "\(number)", canonical + (canonical.contains(".") || canonical.contains("e") ? "" : ".0"),
                canonical.replacingOccurrences(of: "e", with: "E"), "-0", "0.0", "1e0"])
        case .string(let string):
            let escaped = string.unicodeScalars.map { scalar -> String in
                switch scalar {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case "/": return rng.pick(["/", "\\/"])
                case "a": return rng.pick(["a", "a", "\\u0061"])
                case "\n": return rng.pick(["\\n", "\\u000a", "\\u000A"])
                case "\u{1}": return rng.pick(["\\u0001", "\\u0001", "\\u0001".uppercased()])
                case "😀": return rng.pick(["😀", "\\ud83d\\ude00"])
                default:
                    if scalar.value < 0x20 { return String(format: "\\u%04x", scalar.value) }
                    return String(scalar)
                }
            }.joined()
            return "\"" + escaped + "\""
        case .array(let values):
            return "[" + values.map { looseText($0, &rng) }.joined(separator: rng.pick([",", ",", ", "])) + "]"
        case .object(let members):
            var keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            if rng.below(3) == 0 { keys.shuffle(using: &rng) }
            let parts = keys.map { key in looseText(.string(key), &rng) + rng.pick([":", ":", ": "]) + looseText(members[key]!, &rng) }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    @Test("canonical encodings of random values are accepted by both checks")
    func acceptsCanonical() async {
        await propertyCheck(count: 3_000, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = SeededGenerator(seed: UInt64(seed))
            let value = Self.randomValue(&rng)
            guard let bytes = try? CanonicalJSON.encode(value) else {
                Issue.record("encoding failed")
                return
            }
            #expect(Self.newVerdict(bytes) == nil, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
            Self.expectAgreement(bytes)
        }
    }

    @Test("mutated canonical bytes get the same verdict from both checks")
    func mutatedAgree() async {
        await propertyCheck(count: 6_000, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = SeededGenerator(seed: UInt64(seed))
            guard let bytes = try? CanonicalJSON.encode(Self.randomValue(&rng)) else { return }
            Self.expectAgreement(Self.mutate(bytes, &rng))
        }
    }

    @Test("loosely spelled JSON (key order, escapes, number forms, spaces) gets the same verdict")
    func looseAgree() async {
        await propertyCheck(count: 4_000, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = SeededGenerator(seed: UInt64(seed))
            Self.expectAgreement(Array(Self.looseText(Self.randomValue(&rng), &rng).utf8))
        }
    }

    @Test("named edge cases", arguments: [
        "", " ", "1", "-0", "0", "0.0", "1.0", "1E2", "1e+21", "1e21", "100000000000000000000", "9007199254740993",
        "123456789012345", "1234567890123456", "1e-400", "1e400", "5e-324", "-", "01", ".5", "1.", "\"\\ud800\"",
        "\"\\ud83d\\ude00\"", "\"\\u001f\"", "\"\\u001F\"", "\"\\u0000\"", "\"\\/\"", "{\"K\":1,\"\u{212A}\":2}",
        "{\"\u{212A}\":2}", "{\"a\":1,\"a\":2}", "{\"b\":1,\"a\":2}", "{\"\u{e000}\":1,\"😀\":2}", "{\"😀\":1,\"\u{e000}\":2}",
        "{\"\\n\":1,\"\\r\":2}", "{\"\\r\":1,\"\\n\":2}", "{\"é\":1,\"e\u{301}\":2}", "[1,]", "[,1]", "{\"a\" :1}", "[1] ",
        "true", "tru", "nulll", "[\"\u{7f}\"]", "{}", "[]", "[{}]", "{\"a\":{}}",
    ])
    func edgeCases(_ text: String) {
        Self.expectAgreement(Array(text.utf8))
    }

    @Test("nesting depth: Foundation's limit of 512 holds for both checks")
    func depth() {
        for depth in [511, 512, 513] {
            Self.expectAgreement(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
            Self.expectAgreement(Array((String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)).utf8))
            Self.expectAgreement(Array((String(repeating: "[{\"a\":", count: depth / 2) + "1" + String(repeating: "}]", count: depth / 2)).utf8))
        }
    }

    @Test("invalid UTF-8 inside strings is refused by both checks")
    func invalidUTF8() {
        for bad: [UInt8] in [[0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
            [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xFF], [0xF0, 0x9F, 0x98]]
        {
            let bytes = [UInt8(ascii: "\"")] + bad + [UInt8(ascii: "\"")]
            #expect(Self.newVerdict(bytes) == .malformed)
            Self.expectAgreement(bytes)
        }
    }
}

extension SeededGenerator {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
