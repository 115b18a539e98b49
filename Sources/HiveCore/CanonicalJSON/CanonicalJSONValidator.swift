/// A single pass over UTF-8 bytes that decides whether they are already in RFC 8785 canonical
/// form, i.e. whether `CanonicalJSON.canonicalize(bytes) == bytes`, without building a value.
///
/// It accepts exactly the fixed points of ``CanonicalJSON/canonicalize(_:)``: object members
/// in strictly ascending UTF-16 order (no duplicates, and no two names that Swift's `String`
/// treats as equal), no insignificant whitespace, numbers in ECMAScript form, strings with the
/// encoder's minimal escapes and valid UTF-8, nesting at most 512 deep (Foundation's limit).
/// Inputs that are not JSON at all fail with "payload is not JSON"; JSON that is not canonical
/// fails with "payload is not in canonical (RFC 8785) form" — both `.malformed`, as before.
struct CanonicalJSONValidator {
    /// Foundation's `JSONDecoder` rejects documents nested deeper than this.
    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int

    private init(bytes: UnsafeBufferPointer<UInt8>, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    /// Throws `.malformed` unless `bytes` are one canonical JSON document.
    static func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var validator = CanonicalJSONValidator(bytes: bytes)
        guard !bytes.isEmpty else { throw notJSON }
        try validator.value(depth: 0)
        if validator.index < bytes.count {
            // Trailing whitespace is valid JSON but not canonical; anything else is not JSON.
            let rest = bytes[validator.index...]
            throw rest.allSatisfy(isWhitespace) ? notCanonical : notJSON
        }
    }

    static let notJSON = HiveError(.malformed, "payload is not JSON")
    static let notCanonical = HiveError(.malformed, "payload is not in canonical (RFC 8785) form")

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The error for an unexpected byte: whitespace means valid-but-not-canonical.
    private func unexpected() -> HiveError {
        index < bytes.count && Self.isWhitespace(bytes[index]) ? Self.notCanonical : Self.notJSON
    }

    private mutating func value(depth: Int) throws {
        guard index < bytes.count else { throw Self.notJSON }
        switch bytes[index] {
        case UInt8(ascii: "{"): try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw unexpected()
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw Self.notJSON }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] { throw Self.notJSON }
        index += count
    }

    private mutating func array(depth: Int) throws {
        guard depth <= Self.maxDepth else { throw Self.notJSON }
        index += 1  // [
        guard index < bytes.count else { throw Self.notJSON }
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try value(depth: depth)
            guard index < bytes.count else { throw Self.notJSON }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw unexpected()
            }
        }
    }

    private mutating func object(depth: Int) throws {
        guard depth <= Self.maxDepth else { throw Self.notJSON }
        let start = index
        index += 1  // {
        guard index < bytes.count else { throw Self.notJSON }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        var previous: StringToken? = nil
        var sawNonASCIIName = false
        var count = 0
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw unexpected() }
            let name = try string()
            if let previous, !precedes(previous, name) { throw Self.notCanonical }
            previous = name
            sawNonASCIIName = sawNonASCIIName || name.nonASCII
            count += 1
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw unexpected() }
            index += 1
            try value(depth: depth)
            guard index < bytes.count else { throw Self.notJSON }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                // Swift `String` equality is canonical equivalence ("K" == KELVIN SIGN), so two
                // distinct names can collapse into one dictionary key when decoded; only names
                // with non-ASCII bytes can be equivalent to a different name.
                if sawNonASCIIName, try Set(names(ofObjectAt: start)).count != count { throw Self.notCanonical }
                return
            default: throw unexpected()
            }
        }
    }

    /// Where a string token lies and what it holds.
    private struct StringToken {
        /// Bytes between the quotes.
        var range: Range<Int>
        /// It holds an escape sequence.
        var escaped: Bool
        /// It holds a byte ≥ 0x80.
        var nonASCII: Bool
    }

    /// Scans a string token starting at its opening quote.
    private mutating func string() throws -> StringToken {
        index += 1  // "
        let start = index
        var escaped = false
        var nonASCII = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 {
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return StringToken(range: start..<(index - 1), escaped: escaped, nonASCII: nonASCII)
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    try escape()
                } else {
                    index += 1
                }
            } else if byte < 0x20 {
                throw Self.notJSON  // raw control characters are not JSON
            } else {
                nonASCII = true
                try utf8Sequence()
            }
        }
        throw Self.notJSON
    }

    /// Checks the escape at `index` (a backslash): only the encoder's escapes are canonical.
    private mutating func escape() throws {
        guard index + 1 < bytes.count else { throw Self.notJSON }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "n"),
            UInt8(ascii: "f"), UInt8(ascii: "r"):
            index += 2
        case UInt8(ascii: "/"):
            throw Self.notCanonical
        case UInt8(ascii: "u"):
            guard index + 6 <= bytes.count else { throw Self.notJSON }
            var code: UInt32 = 0
            var lowercase = true
            for offset in 2..<6 {
                let digit = bytes[index + offset]
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): code = code << 4 | UInt32(digit - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): code = code << 4 | UInt32(digit - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"):
                    code = code << 4 | UInt32(digit - UInt8(ascii: "A") + 10)
                    lowercase = false
                default: throw Self.notJSON
                }
            }
            // The encoder writes \u00xx (lowercase) only for controls without a short escape.
            guard code < 0x20, lowercase, ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code) else {
                // A lone surrogate escape is not JSON to Foundation; other escapes are merely non-canonical.
                throw (0xD800...0xDFFF).contains(code) ? Self.notJSON : Self.notCanonical
            }
            index += 6
        default:
            throw Self.notJSON
        }
    }

    /// Checks one multi-byte UTF-8 sequence at `index` (RFC 3629: no overlongs, surrogates or values above U+10FFFF).
    private mutating func utf8Sequence() throws {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw Self.notJSON
        }
        guard index + length <= bytes.count else { throw Self.notJSON }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { throw Self.notJSON }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { throw Self.notJSON }
        index += length
    }

    private mutating func number() throws {
        let start = index
        var plainInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw Self.notJSON }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard try digits() > 0 else { throw Self.notJSON }
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            plainInteger = false
            index += 1
            guard try digits() > 0 else { throw Self.notJSON }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            plainInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard try digits() > 0 else { throw Self.notJSON }
        }
        let token = UnsafeBufferPointer(rebasing: bytes[start..<index])
        let negative = token[0] == UInt8(ascii: "-")
        let digitCount = token.count - (negative ? 1 : 0)
        // Integers of at most 15 digits are exact doubles and ECMAScript writes them as they are,
        // except -0, which it writes as 0.
        if plainInteger && digitCount <= 15 {
            if negative && token[1] == UInt8(ascii: "0") { throw Self.notCanonical }
            return
        }
        guard let parsed = Double(String(decoding: token, as: UTF8.self)), parsed.isFinite else { throw Self.notJSON }
        if parsed == 0 {
            // Foundation refuses numbers that underflow to zero; a spelled-out zero ("0.0") is JSON but not canonical.
            let mantissa = token.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
            throw mantissa.contains { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") } ? Self.notJSON : Self.notCanonical
        }
        let formatted = try ECMAScriptNumber.format(parsed)
        guard formatted.utf8.elementsEqual(token) else { throw Self.notCanonical }
    }

    /// Skips decimal digits; returns how many.
    private mutating func digits() throws -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    /// Strict UTF-16 order of two names (the RFC 8785 member order); equal names are not in order.
    private func precedes(_ first: StringToken, _ second: StringToken) -> Bool {
        if !first.escaped && !second.escaped && !first.nonASCII && !second.nonASCII {
            // ASCII without escapes: byte order is UTF-16 order.
            let a = UnsafeBufferPointer(rebasing: bytes[first.range])
            let b = UnsafeBufferPointer(rebasing: bytes[second.range])
            return a.lexicographicallyPrecedes(b)
        }
        return decode(first).utf16.lexicographicallyPrecedes(decode(second).utf16)
    }

    /// The text of a string token that has passed ``string()`` (so only canonical escapes remain).
    private func decode(_ token: StringToken) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[token.range])
        guard token.escaped else { return String(decoding: raw, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var position = 0
        while position < raw.count {
            let byte = raw[position]
            guard byte == UInt8(ascii: "\\"), position + 1 < raw.count else {
                output.append(byte)
                position += 1
                continue
            }
            switch raw[position + 1] {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "u"):
                // \u00xx with lowercase hex, checked by escape()
                func hex(_ digit: UInt8) -> UInt8 { digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10 }
                output.append(hex(raw[position + 4]) << 4 | hex(raw[position + 5]))
                position += 6
                continue
            default: output.append(raw[position + 1])  // \" or \\
            }
            position += 2
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The member names of the (already validated) object starting at `start`.
    private func names(ofObjectAt start: Int) throws -> [String] {
        var walker = CanonicalJSONValidator(bytes: bytes, index: start + 1)
        var result: [String] = []
        while walker.index < bytes.count, bytes[walker.index] == UInt8(ascii: "\"") {
            let name = try walker.string()
            result.append(walker.decode(name))
            walker.index += 1  // :
            try walker.value(depth: 0)
            guard walker.index < bytes.count, bytes[walker.index] == UInt8(ascii: ",") else { break }
            walker.index += 1
        }
        return result
    }
}
