import MCP
import Testing

@testable import HiveMCP

@Suite("Tool schemas: one declaration gives the JSON Schema and the argument checks")
struct SchemaTests {
    static let schema = ToolSchema.arguments([
        .init("name", .string("A name.", maxBytes: 8), required: true),
        .init("k", .integer("Count.", range: 1...10)),
        .init("rate", .number("Rate.", range: 0...1)),
        .init("mode", .string("Mode.", oneOf: ["a", "b"])),
        .init("flag", .boolean("Flag.")),
        .init("tags", .array("Tags.", items: .string("Tag.", maxBytes: 4), maxItems: 2)),
        .init("nested", .object("Nested.", fields: [.init("x", .integer("X.", range: 0...1), required: true)])),
        .init("labels", .stringMap("Labels.", maxEntries: 2)),
    ])

    func error(_ arguments: [String: Value]) -> String? {
        do {
            _ = try ToolArguments.validated(arguments, schema: Self.schema)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("valid arguments pass; integral doubles count as integers; null reads as absent")
    func valid() throws {
        let arguments = try ToolArguments.validated(
            [
                "name": "ok", "k": .double(3), "rate": 1, "mode": "b", "flag": false, "tags": ["ab"],
                "nested": ["x": 1],
                "labels": ["a": "b"], "rate2": .null,
            ].filter { $0.key != "rate2" },
            schema: Self.schema)
        #expect(arguments.int("k") == 3 && arguments.double("rate") == 1 && arguments.string("mode") == "b")
        #expect(arguments.object("nested")?.int("x") == 1 && arguments.stringMap("labels") == ["a": "b"])
        #expect(try ToolArguments.validated(["name": "x", "k": .null], schema: Self.schema).int("k") == nil)
    }

    @Test(
        "each kind of bad input is named: missing, mistyped, out of range, not in the enum, unknown, nested, oversized")
    func invalid() {
        #expect(error([:]) == "missing required argument name")
        #expect(error(["name": 3]) == "name must be a string, got the integer 3")
        #expect(error(["name": ""]) == "name must not be empty")
        #expect(error(["name": "123456789"]) == "name is longer than 8 bytes")
        #expect(error(["name": "a", "k": "3"]) == "k must be an integer, got the string \"3\"")
        #expect(error(["name": "a", "k": 2.5]) == "k must be an integer, got the number 2.5")
        #expect(error(["name": "a", "k": 11]) == "k must be in 1…10, got 11")
        #expect(error(["name": "a", "rate": 1.5])?.hasPrefix("rate must be a number in 0.0…1.0") == true)
        #expect(error(["name": "a", "mode": "c"]) == "mode must be one of a, b; got \"c\"")
        #expect(error(["name": "a", "flag": 1]) == "flag must be true or false, got the integer 1")
        #expect(error(["name": "a", "tags": ["a", "b", "c"]]) == "tags has 3 items; at most 2")
        #expect(error(["name": "a", "tags": [1]]) == "tags[0] must be a string, got the integer 1")
        #expect(error(["name": "a", "nested": [:]]) == "missing required argument nested.x")
        #expect(error(["name": "a", "nested": ["x": 1, "y": 2]]) == "unexpected argument nested.y (expected: x)")
        #expect(error(["name": "a", "labels": ["a": 1]]) == "labels.a must be a string, got the integer 1")
        #expect(error(["name": "a", "bogus": 1])?.hasPrefix("unexpected argument bogus (expected: name, k,") == true)
    }

    @Test("the JSON Schema lists properties, required names and refuses extra properties")
    func jsonSchema() throws {
        let schema = Self.schema.jsonSchema
        #expect(schema.objectValue?["type"] == "object")
        #expect(schema.objectValue?["additionalProperties"] == false)
        #expect(schema.objectValue?["required"] == ["name"])
        let properties = try #require(schema.objectValue?["properties"]?.objectValue)
        #expect(Set(properties.keys) == ["name", "k", "rate", "mode", "flag", "tags", "nested", "labels"])
        #expect(properties["k"]?.objectValue?["maximum"] == 10)
        #expect(properties["mode"]?.objectValue?["enum"] == ["a", "b"])
        #expect(properties["nested"]?.objectValue?["required"] == ["x"])
    }
}
