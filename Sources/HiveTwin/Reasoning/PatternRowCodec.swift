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
        var reader = Reader(bytes: [UInt8](data))
        let genres = try reader.list()
        let mood = try reader.optional()
        let timeOfDay = try reader.optional()
        let watchHistory = try reader.list()
        try reader.finish(what: "pattern context")
        return Pattern.Context(genres: genres, mood: mood, timeOfDay: timeOfDay, watchHistory: watchHistory)
    }

    /// A list of strings (the empty list is one byte, never an empty blob, which SQLite may bind as NULL).
    static func encode(_ list: [String]) -> Data {
        var out = Data()
        appendList(list, to: &out)
        return out
    }

    static func decodeList(_ data: Data) throws -> [String] {
        var reader = Reader(bytes: [UInt8](data))
        let list = try reader.list()
        try reader.finish(what: "pattern provenance")
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

    /// Bounds-checked reading; every failure is ``HiveError/Code/malformed``.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func varint() throws -> Int {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count else { throw HiveError(.malformed, "stored pattern field is truncated") }
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
                guard shift < 35 else { throw HiveError(.malformed, "stored pattern field has an oversized length") }
            }
            return Int(value)
        }

        mutating func string() throws -> String {
            let length = try varint()
            guard length <= bytes.count - offset else { throw HiveError(.malformed, "stored pattern string overruns its field") }
            defer { offset += length }
            guard let text = String(validating: bytes[offset..<(offset + length)], as: UTF8.self) else {
                throw HiveError(.malformed, "stored pattern string is not UTF-8")
            }
            return text
        }

        mutating func list() throws -> [String] {
            let count = try varint()
            guard count <= bytes.count - offset else { throw HiveError(.malformed, "stored pattern list overruns its field") }
            var out: [String] = []
            out.reserveCapacity(count)
            for _ in 0..<count { out.append(try string()) }
            return out
        }

        mutating func optional() throws -> String? {
            guard offset < bytes.count else { throw HiveError(.malformed, "stored pattern field is truncated") }
            let flag = bytes[offset]
            offset += 1
            switch flag {
            case 0: return nil
            case 1: return try string()
            default: throw HiveError(.malformed, "stored pattern field has a bad optional flag \(flag)")
            }
        }

        func finish(what: String) throws {
            guard offset == bytes.count else { throw HiveError(.malformed, "\(what) has \(bytes.count - offset) trailing bytes") }
        }
    }
}
