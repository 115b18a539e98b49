import MCP

/// A tool's input, declared once: it produces the JSON Schema advertised in `tools/list` and
/// validates `tools/call` arguments against that same declaration, so the two cannot disagree.
///
/// A small subset of JSON Schema — what the Hive tools need: strings (optionally an enum), integers
/// and numbers with inclusive ranges, booleans, arrays with a length bound, objects with declared
/// fields (unknown fields are refused) or string-to-string maps.
public indirect enum ToolSchema: Sendable {
    case string(_ description: String, oneOf: [String]? = nil, maxBytes: Int = 4_096, nonEmpty: Bool = true)
    case integer(_ description: String, range: ClosedRange<Int>)
    case number(_ description: String, range: ClosedRange<Double>)
    case boolean(_ description: String)
    case array(_ description: String, items: ToolSchema, maxItems: Int)
    case object(_ description: String, fields: [Field])
    /// An object whose every value is a string (metadata), at most `maxEntries` entries.
    case stringMap(_ description: String, maxEntries: Int)

    /// One declared property of an object.
    public struct Field: Sendable {
        public var name: String
        public var schema: ToolSchema
        public var required: Bool

        public init(_ name: String, _ schema: ToolSchema, required: Bool = false) {
            self.name = name
            self.schema = schema
            self.required = required
        }
    }

    /// An object schema for a tool's whole argument list.
    public static func arguments(_ fields: [Field]) -> ToolSchema { .object("arguments", fields: fields) }

    // MARK: JSON Schema

    /// The JSON Schema (draft 2020-12 subset) of this declaration.
    public var jsonSchema: Value {
        switch self {
        case .string(let description, let oneOf, let maxBytes, let nonEmpty):
            var schema: [String: Value] = [
                "type": "string", "description": .string(description), "maxLength": .int(maxBytes),
            ]
            if let oneOf { schema["enum"] = .array(oneOf.map { .string($0) }) }
            if nonEmpty { schema["minLength"] = 1 }
            return .object(schema)
        case .integer(let description, let range):
            return .object([
                "type": "integer", "description": .string(description), "minimum": .int(range.lowerBound),
                "maximum": .int(range.upperBound),
            ])
        case .number(let description, let range):
            return .object([
                "type": "number", "description": .string(description), "minimum": .double(range.lowerBound),
                "maximum": .double(range.upperBound),
            ])
        case .boolean(let description):
            return .object(["type": "boolean", "description": .string(description)])
        case .array(let description, let items, let maxItems):
            return .object([
                "type": "array", "description": .string(description), "items": items.jsonSchema,
                "maxItems": .int(maxItems),
            ])
        case .object(let description, let fields):
            var properties: [String: Value] = [:]
            for field in fields { properties[field.name] = field.schema.jsonSchema }
            var schema: [String: Value] = [
                "type": "object", "properties": .object(properties), "additionalProperties": false,
            ]
            if description != "arguments" { schema["description"] = .string(description) }
            let required = fields.filter(\.required).map { Value.string($0.name) }
            if !required.isEmpty { schema["required"] = .array(required) }
            return .object(schema)
        case .stringMap(let description, let maxEntries):
            return .object([
                "type": "object", "description": .string(description), "additionalProperties": ["type": "string"],
                "maxProperties": .int(maxEntries),
            ])
        }
    }

    // MARK: Validation

    /// Checks `value` against the declaration; the error names the argument (`context.genre`) and
    /// says what was expected and what came. Integral doubles count as integers (`3.0`).
    public func validate(_ value: Value, at path: String) throws(ToolInputError) {
        switch self {
        case .string(_, let oneOf, let maxBytes, let nonEmpty):
            guard case .string(let text) = value else {
                throw .init("\(path) must be a string, got \(Self.kind(of: value))")
            }
            if nonEmpty, text.isEmpty { throw .init("\(path) must not be empty") }
            guard text.utf8.count <= maxBytes else { throw .init("\(path) is longer than \(maxBytes) bytes") }
            if let oneOf, !oneOf.contains(text) {
                throw .init("\(path) must be one of \(oneOf.joined(separator: ", ")); got \"\(text.prefix(64))\"")
            }
        case .integer(_, let range):
            guard let number = Self.integer(value) else {
                throw .init("\(path) must be an integer, got \(Self.kind(of: value))")
            }
            guard range.contains(number) else {
                throw .init("\(path) must be in \(range.lowerBound)…\(range.upperBound), got \(number)")
            }
        case .number(_, let range):
            guard let number = Self.number(value) else {
                throw .init("\(path) must be a number, got \(Self.kind(of: value))")
            }
            guard number.isFinite, range.contains(number) else {
                throw .init("\(path) must be a number in \(range.lowerBound)…\(range.upperBound), got \(number)")
            }
        case .boolean:
            guard case .bool = value else { throw .init("\(path) must be true or false, got \(Self.kind(of: value))") }
        case .array(_, let items, let maxItems):
            guard case .array(let elements) = value else {
                throw .init("\(path) must be an array, got \(Self.kind(of: value))")
            }
            guard elements.count <= maxItems else {
                throw .init("\(path) has \(elements.count) items; at most \(maxItems)")
            }
            for (index, element) in elements.enumerated() { try items.validate(element, at: "\(path)[\(index)]") }
        case .object(_, let fields):
            guard case .object(let members) = value else {
                throw .init("\(path) must be an object, got \(Self.kind(of: value))")
            }
            try Self.validate(members: members, fields: fields, prefix: path + ".")
        case .stringMap(_, let maxEntries):
            guard case .object(let members) = value else {
                throw .init("\(path) must be an object, got \(Self.kind(of: value))")
            }
            guard members.count <= maxEntries else {
                throw .init("\(path) has \(members.count) entries; at most \(maxEntries)")
            }
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                guard case .string = member else {
                    throw .init("\(path).\(key.prefix(64)) must be a string, got \(Self.kind(of: member))")
                }
            }
        }
    }

    /// Validates a tool's whole argument object (`prefix` "" for top-level names).
    static func validate(members: [String: Value], fields: [Field], prefix: String) throws(ToolInputError) {
        let known = Set(fields.map(\.name))
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            let expected = fields.map(\.name).joined(separator: ", ")
            throw .init(
                "unexpected argument \(prefix)\(unknown.prefix(64)) (expected: \(expected.isEmpty ? "none" : expected))"
            )
        }
        for field in fields {
            guard let member = members[field.name], member != .null else {
                if field.required { throw .init("missing required argument \(prefix)\(field.name)") }
                continue
            }
            try field.schema.validate(member, at: prefix + field.name)
        }
    }

    static func integer(_ value: Value) -> Int? {
        switch value {
        case .int(let number): return number
        case .double(let number):
            guard number.isFinite, number.rounded() == number, abs(number) < 9e15 else { return nil }
            return Int(number)
        default: return nil
        }
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    static func kind(of value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int(let number): "the integer \(number)"
        case .double(let number): "the number \(number)"
        case .string(let text): "the string \"\(text.prefix(32))\""
        case .data: "binary data"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Arguments that do not match a tool's schema; the message names the argument.
public struct ToolInputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
