import Foundation
import Testing
@testable import HiveCore

@Suite("RFC 8785 canonical JSON")
struct CanonicalJSONTests {
    private func canonical(_ json: String) throws -> String {
        String(decoding: try CanonicalJSON.canonicalize(Array(json.utf8)), as: UTF8.self)
    }

    @Test("RFC 8785 §3.2.2 example produces the exact bytes")
    func rfcExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try canonical(input) == expected)
    }

    @Test("RFC 8785 §3.2.3 sorts keys by UTF-16 code units, recursively")
    func sorting() throws {
        let input = #"""
            {"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",
             "\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",
             "nested":{"b":1,"a":{"d":[{"z":1,"y":2}],"c":3}}}
            """#
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"nested\":{\"a\":{\"c\":3,\"d\":[{\"y\":2,\"z\":1}]},\"b\":1},"
            + "\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\","
            + "\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try canonical(input) == expected)
    }

    @Test("numbers named by the issue", arguments: [
        (1e30, "1e+30"), (4.5, "4.5"), (0.002, "0.002"), (1e-7, "1e-7"), (-0.0, "0"), (0.0, "0"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (1e-6, "0.000001"), (-1.5, "-1.5"),
        (Double(bitPattern: 1), "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
    ])
    func numbers(_ value: Double, _ expected: String) throws {
        #expect(try ECMAScriptNumber.format(value) == expected)
    }

    @Test("4,000 doubles (RFC Appendix B and random bit patterns) match node's Number serialisation")
    func numbersMatchECMAScript() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/es_numbers", withExtension: "txt"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 4000)
        for line in lines {
            let parts = line.split(separator: " ")
            let bits = try #require(UInt64(parts[0], radix: 16))
            #expect(try ECMAScriptNumber.format(Double(bitPattern: bits)) == String(parts[1]), "bits \(parts[0])")
        }
    }

    @Test("control characters use the RFC's escapes; other unicode passes through")
    func escaping() throws {
        let value = JSONValue.string("a\u{0}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}\"\\/\u{7F}é€😀\u{2028}")
        let bytes = String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
        #expect(bytes == "\"a\\u0000\\b\\t\\n\\f\\r\\u001f\\\"\\\\/\u{7F}é€😀\u{2028}\"")
    }

    @Test("NaN and infinity are refused")
    func nonFinite() {
        #expect(throws: HiveError.self) { try CanonicalJSON.encode(JSONValue.number(.nan)) }
        #expect(throws: HiveError.self) { try CanonicalJSON.encode(JSONValue.number(.infinity)) }
    }

    @Test("malformed JSON is a malformed error")
    func malformed() {
        let error = #expect(throws: HiveError.self) { try CanonicalJSON.canonicalize(Array("{\"a\":".utf8)) }
        #expect(error?.code == .malformed)
    }

    @Test("canonicalisation is idempotent")
    func idempotent() throws {
        let once = try CanonicalJSON.canonicalize(Array(#"{"b":[1.0,2.50,{"y":null,"x":true}],"a":"\u0041"}"#.utf8))
        #expect(try CanonicalJSON.canonicalize(once) == once)
    }
}
