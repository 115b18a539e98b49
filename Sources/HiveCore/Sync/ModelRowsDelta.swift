import Foundation

/// The item rows of the global recommendation model that changed in one published version.
///
/// Rows travel compactly: each vector is base64 of little-endian IEEE-754 float32 values, a
/// quarter of the size of JSON numbers. Decoding checks the length against `dimension` and
/// that every value is finite.
public struct ModelRowsDelta: Hashable, Sendable, Codable {
    /// One changed item row.
    public struct Row: Hashable, Sendable, Codable {
        public var item: String
        public var vector: [Float]

        public init(item: String, vector: [Float]) {
            self.item = item
            self.vector = vector
        }

        enum CodingKeys: String, CodingKey { case item, vector }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            item = try c.validated(String.self, forKey: .item) {
                try Validation.check($0, maxBytes: Validation.Limit.id, nonEmpty: true, field: "item")
            }
            let text = try c.decode(String.self, forKey: .vector)
            guard let vector = ModelRowsDelta.decodeVector(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .vector, in: c, debugDescription: "vector must be base64 of finite little-endian float32 values")
            }
            self.vector = vector
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(item, forKey: .item)
            try c.encode(ModelRowsDelta.encodeVector(vector), forKey: .vector)
        }
    }

    /// The model version these rows belong to.
    public var version: Int64
    /// Length of every vector.
    public var dimension: Int
    public var rows: [Row]

    /// Largest accepted dimension.
    public static let maxDimension = 4096

    public init(version: Int64, dimension: Int, rows: [Row]) throws {
        self.version = version
        self.dimension = dimension
        self.rows = rows
        try validate()
    }

    /// Checks dimension, row lengths and finiteness.
    public func validate() throws {
        guard version >= 0 else { throw HiveError(.invalidInput, "version must be ≥ 0, got \(version)") }
        guard (1...Self.maxDimension).contains(dimension) else {
            throw HiveError(.invalidInput, "dimension must be in 1–\(Self.maxDimension), got \(dimension)")
        }
        for (index, row) in rows.enumerated() {
            guard row.vector.count == dimension else {
                throw HiveError(
                    .dimensionMismatch, "rows[\(index)].vector has \(row.vector.count) values; dimension is \(dimension)")
            }
            try Validation.checkFinite(row.vector, field: "rows[\(index)].vector")
        }
    }

    enum CodingKeys: String, CodingKey { case version, dimension, rows }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int64.self, forKey: .version)
        dimension = try c.decode(Int.self, forKey: .dimension)
        rows = try c.decode([Row].self, forKey: .rows)
        do {
            try validate()
        } catch let error as HiveError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: c.codingPath, debugDescription: error.message, underlyingError: error))
        }
    }

    /// Base64 of little-endian float32.
    public static func encodeVector(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// Inverse of ``encodeVector(_:)``; `nil` for bad base64, a length not a multiple of 4, or a non-finite value.
    public static func decodeVector(_ text: String) -> [Float]? {
        guard text.utf8.count <= (maxDimension * 4 / 3 + 4) * 4 / 3 + 8, let data = Data(base64Encoded: text),
            data.count % 4 == 0
        else { return nil }
        let bytes = Array(data)
        var vector = [Float]()
        vector.reserveCapacity(bytes.count / 4)
        var index = 0
        while index < bytes.count {
            let bits = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                | UInt32(bytes[index + 3]) << 24
            let value = Float(bitPattern: bits)
            guard value.isFinite else { return nil }
            vector.append(value)
            index += 4
        }
        return vector
    }
}
