import Foundation
import HiveCore

/// The compact on-disk form of a pattern row (schema v2): what is fixed or derivable is not stored
/// as text.
///
/// - id: only the sequence number; every pattern id is `<twin id>-<sequence>` of this store.
/// - stamp: the packed 64-bit HLC value; the node is always this twin (the bank stamps every write).
/// - task type and origin: small integers (append-only tables below, never reordered).
/// - context and provenance: length-prefixed binary lists instead of JSON, so reading a search
///   result costs no JSON parse.
enum PatternRowCodec {
    /// Stored task-type codes: the position in this list. Append only.
    static let taskTypes: [Pattern.TaskType] = [.preference, .recommendation, .discovery, .behavior]
    /// Stored origin codes. Append only.
    static let origins: [Pattern.Origin] = [.local, .global]

    static func code(_ type: Pattern.TaskType) -> Int { taskTypes.firstIndex(of: type) ?? 0 }
    static func code(_ origin: Pattern.Origin) -> Int { origins.firstIndex(of: origin) ?? 0 }

    static func taskType(_ code: Int64) throws -> Pattern.TaskType {
        guard code >= 0, code < taskTypes.count else { throw HiveError(.malformed, "unknown stored task type code \(code)") }
        return taskTypes[Int(code)]
    }

    static func origin(_ code: Int64) throws -> Pattern.Origin {
        guard code >= 0, code < origins.count else { throw HiveError(.malformed, "unknown stored origin code \(code)") }
        return origins[Int(code)]
    }

    /// The sequence number of `id` when it is one of `twinID`'s row ids (`<twin id>-<n>`, `n` in
    /// canonical decimal); `nil` for anything else.
    static func sequence(of id: String, twinID: String) -> Int64? {
        let prefix = twinID + "-"
        guard id.hasPrefix(prefix) else { return nil }
        let digits = id.dropFirst(prefix.count)
        guard let value = Int64(digits), value >= 0, String(value) == digits else { return nil }
        return value
    }

    // MARK: Binary lists

    static func encode(_ context: Pattern.Context) -> Data {
        var out = Data()
        appendList(context.genres, to: &out)
        appendOptional(context.mood, to: &out)
        appendOptional(context.timeOfDay, to: &out)
        appendList(context.watchHistory, to: &out)
        return out
    }

    static func decodeContext(_ data: Data) throws -> Pattern.Context {
        var reader = BlobReader(bytes: [UInt8](data), what: "pattern context")
        let genres = try reader.list()
        let mood = try reader.optional()
        let timeOfDay = try reader.optional()
        let watchHistory = try reader.list()
        try reader.finish()
        return Pattern.Context(genres: genres, mood: mood, timeOfDay: timeOfDay, watchHistory: watchHistory)
    }

    /// A list of strings (the empty list is one byte, never an empty blob, which SQLite may bind as NULL).
    static func encode(_ list: [String]) -> Data {
        var out = Data()
        appendList(list, to: &out)
        return out
    }

    static func decodeList(_ data: Data) throws -> [String] {
        var reader = BlobReader(bytes: [UInt8](data), what: "pattern provenance")
        let list = try reader.list()
        try reader.finish()
        return list
    }

    static func appendVarint(_ value: Int, to out: inout Data) {
        var v = UInt64(value)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func appendString(_ text: String, to out: inout Data) {
        let bytes = Array(text.utf8)
        appendVarint(bytes.count, to: &out)
        out.append(contentsOf: bytes)
    }

    static func appendList(_ list: [String], to out: inout Data) {
        appendVarint(list.count, to: &out)
        for item in list { appendString(item, to: &out) }
    }

    /// 0 for nil, 1 + string otherwise.
    static func appendOptional(_ text: String?, to out: inout Data) {
        guard let text else { return out.append(0) }
        out.append(1)
        appendString(text, to: &out)
    }
}

/// The pattern row's field shapes: length-prefixed strings, lists of them, optional strings.
extension BlobReader {
    mutating func lengthPrefixedString() throws -> String { try string(varint()) }

    mutating func list() throws -> [String] {
        let count = try varint()
        guard count <= remaining else { throw HiveError(.malformed, "\(what): a list overruns its field") }
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try lengthPrefixedString()) }
        return out
    }

    mutating func optional() throws -> String? {
        switch try byte() {
        case 0: return nil
        case 1: return try lengthPrefixedString()
        case let flag: throw HiveError(.malformed, "\(what): bad optional flag \(flag)")
        }
    }
}
