import Foundation

/// JSON decoding that turns `DecodingError`s into one-line ``HiveError``s naming the field.
public enum HiveJSON {
    /// Decodes `T` from JSON bytes; failures name the offending field path.
    public static func decode<T: Decodable>(_ type: T.Type, from data: some DataProtocol) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(data))
        } catch let error as HiveError {
            throw error
        } catch {
            throw HiveError(.malformed, "\(T.self): \(describe(error))")
        }
    }

    /// Encodes `value` as (non-canonical, compact, sorted-key) JSON.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .throw
        do {
            return try encoder.encode(value)
        } catch {
            throw HiveError(.invalidInput, "cannot encode \(T.self): \(error)")
        }
    }

    /// A one-line description of a decoding error with its coding path.
    public static func describe(_ error: any Error) -> String {
        if let hive = error as? HiveError { return hive.message }
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String {
            let joined = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return joined.isEmpty ? "(root)" : joined
        }
        switch decoding {
        case .typeMismatch(let type, let context):
            return "field \(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "field \(path(context.codingPath)): missing \(type) value"
        case .keyNotFound(let key, let context):
            return "field \(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as? HiveError { return underlying.message }
            return "field \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(decoding)"
        }
    }
}
