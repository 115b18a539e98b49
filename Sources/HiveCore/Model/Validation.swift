/// Field checks shared by the value types' decoders; each failure names the field.
public enum Validation {
    /// Throws unless `value` is finite and within `range`.
    public static func check(_ value: Double, in range: ClosedRange<Double>, field: String) throws {
        guard value.isFinite else { throw HiveError(.invalidInput, "\(field) must be a finite number, got \(value)") }
        guard range.contains(value) else {
            throw HiveError(.invalidInput, "\(field) must be in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
    }

    /// Throws unless `value` is finite.
    public static func checkFinite(_ value: Double, field: String) throws {
        guard value.isFinite else { throw HiveError(.invalidInput, "\(field) must be a finite number, got \(value)") }
    }

    /// Throws unless every component is finite.
    public static func checkFinite(_ values: [Float], field: String) throws {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw HiveError(.invalidInput, "\(field)[\(index)] must be finite, got \(values[index])")
        }
    }

    /// Throws unless the string's UTF-8 length is within `bytes` (and non-empty when `nonEmpty`).
    public static func check(_ value: String, maxBytes: Int, nonEmpty: Bool = false, field: String) throws {
        if nonEmpty, value.isEmpty { throw HiveError(.invalidInput, "\(field) must not be empty") }
        let count = value.utf8.count
        guard count <= maxBytes else {
            throw HiveError(.invalidInput, "\(field) is \(count) bytes; the limit is \(maxBytes)")
        }
    }

    /// Throws unless the array's count is within `range`.
    public static func check<T>(_ value: [T], count range: ClosedRange<Int>, field: String) throws {
        guard range.contains(value.count) else {
            if value.isEmpty { throw HiveError(.invalidInput, "\(field) must not be empty") }
            throw HiveError(
                .invalidInput, "\(field) has \(value.count) items; allowed \(range.lowerBound)–\(range.upperBound)")
        }
    }

    /// Throws unless every string is within the limits.
    public static func check(_ values: [String], maxCount: Int, maxBytes: Int, field: String) throws {
        try check(values, count: 0...maxCount, field: field)
        for (index, value) in values.enumerated() {
            try check(value, maxBytes: maxBytes, nonEmpty: true, field: "\(field)[\(index)]")
        }
    }

    /// Common limits.
    public enum Limit {
        public static let id = 128
        public static let shortText = 1024
        public static let text = 64 * 1024
        public static let tags = 64
        public static let tag = 128
    }
}

extension KeyedDecodingContainer {
    /// Decodes and rethrows validation failures as `DecodingError` at this key, so
    /// ``HiveJSON`` reports the field path.
    func validated<T: Decodable>(_ type: T.Type, forKey key: Key, _ check: (T) throws -> Void) throws -> T {
        let value = try decode(type, forKey: key)
        do {
            try check(value)
        } catch let error as HiveError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath + [key], debugDescription: error.message, underlyingError: error))
        }
        return value
    }
}
