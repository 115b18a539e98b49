/// Formats doubles as ECMAScript's `Number.prototype.toString` does (ECMA-262 §6.1.6.1.20),
/// the number form RFC 8785 requires.
///
/// Swift's `description` already yields the shortest digit string that round-trips, which
/// is the digit string ECMAScript selects; only the layout (where the point and exponent go)
/// differs, so we take the digits from Swift and lay them out by ECMAScript's rules.
public enum ECMAScriptNumber {
    /// The ECMAScript string for `value`; throws for NaN and infinities.
    public static func format(_ value: Double) throws -> String {
        guard value.isFinite else {
            throw HiveError(.invalidInput, "JSON cannot represent \(value)")
        }
        if value == 0 { return "0" }  // also -0
        let negative = value < 0
        let (digits, exponent) = decimalDigits(of: abs(value))
        let k = digits.count
        let n = exponent  // value = 0.d1d2…dk × 10^n
        var result = negative ? "-" : ""
        if k <= n && n <= 21 {
            result += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let split = digits.index(digits.startIndex, offsetBy: n)
            result += digits[..<split] + "." + digits[split...]
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            let first = digits.prefix(1)
            let rest = digits.dropFirst()
            result += first + (rest.isEmpty ? "" : "." + rest) + "e" + sign + String(abs(e))
        }
        return result
    }

    /// Shortest round-trip digits (no leading or trailing zeros) and the exponent `n` with
    /// value = 0.digits × 10^n.
    static func decimalDigits(of value: Double) -> (String, Int) {
        let text = value.description  // e.g. "4.5", "1e+30", "1e-07", "1.2345678901234568e+20"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let integerPart: Substring
        let fractionPart: Substring
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        } else {
            integerPart = mantissa
            fractionPart = ""
        }
        var digits = Array(integerPart + fractionPart)
        var pointPosition = integerPart.count
        while let first = digits.first, first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == "0" { digits.removeLast() }
        return (String(digits), pointPosition + exponent)
    }
}
