import MCP

/// A tool's arguments after validation against its ``ToolSchema``: typed accessors for what
/// the schema declared. Absent optional arguments read as nil; the accessors never trap.
public struct ToolArguments: Sendable {
    let values: [String: Value]

    init(_ values: [String: Value]) { self.values = values }

    /// Validates `arguments` (nil = none) against `schema`, which must be an object schema.
    static func validated(_ arguments: [String: Value]?, schema: ToolSchema) throws(ToolInputError) -> ToolArguments {
        guard case .object(_, let fields) = schema else { throw ToolInputError("tool schema is not an object") }
        let members = arguments ?? [:]
        try ToolSchema.validate(members: members, fields: fields, prefix: "")
        return ToolArguments(members.filter { $0.value != .null })
    }

    public func string(_ name: String) -> String? { values[name]?.stringValue }
    public func int(_ name: String) -> Int? { values[name].flatMap(ToolSchema.integer) }
    public func double(_ name: String) -> Double? { values[name].flatMap(ToolSchema.number) }
    public func bool(_ name: String) -> Bool? { values[name]?.boolValue }
    public func strings(_ name: String) -> [String]? { values[name]?.arrayValue?.compactMap(\.stringValue) }
    public func object(_ name: String) -> ToolArguments? { values[name]?.objectValue.map(ToolArguments.init) }
    public func objects(_ name: String) -> [ToolArguments]? {
        values[name]?.arrayValue?.compactMap { $0.objectValue.map(ToolArguments.init) }
    }
    public func stringMap(_ name: String) -> [String: String]? {
        values[name]?.objectValue?.compactMapValues(\.stringValue)
    }
    /// The raw value (for arguments passed through whole, like a signed envelope).
    public func raw(_ name: String) -> Value? { values[name] }
    public var isEmpty: Bool { values.isEmpty }
    public var names: [String] { values.keys.sorted() }

    /// A required string: the schema guarantees it, so a miss is a declaration bug, reported as such.
    public func require(_ name: String) throws(ToolInputError) -> String {
        guard let value = string(name) else { throw ToolInputError("missing required argument \(name)") }
        return value
    }
}
