import Foundation
import HiveCore

/// How embeddings are stored in the twin's tables: L2-normalised, then int8 with one scale per
/// vector (`code = round(x / max|x| × 127)`), stored as the `d` codes alone. A 384-d vector takes
/// 384 bytes instead of 1,536 as f32; cosine similarity changes by well under 0.01.
///
/// The scale is not stored: the vector was unit length before quantisation, so decoding scales
/// the codes to unit length (`x ≈ code / |code|`). That is the same direction the stored scale
/// gave — every search here is cosine, so scores and rankings are unchanged — and saves 4 bytes a
/// row. Rows written before schema v6 hold `scale (Float32, little-endian) ‖ codes` (`4 + d`
/// bytes); ``decode(_:dimensions:)`` still reads them (the v6 migration rewrote the pattern
/// rows; other tables keep their older rows as they are).
public enum EmbeddingCodec {
    /// Encodes a vector (normalising it first) as its `d` int8 codes.
    public static func encode(_ vector: [Float]) -> Data {
        var norm: Float = 0
        for x in vector { norm += x * x }
        norm = norm.squareRoot()
        let inv: Float = norm > 0 ? 1 / norm : 0
        var maxAbs: Float = 0
        for x in vector { maxAbs = max(maxAbs, abs(x * inv)) }
        let q: Float = maxAbs > 0 ? 127 / maxAbs : 0
        var data = Data(count: vector.count)
        data.withUnsafeMutableBytes { raw in
            for (i, x) in vector.enumerated() {
                let code = Int8(max(-127, min(127, (x * inv * q).rounded())))
                raw.storeBytes(of: code, toByteOffset: i, as: Int8.self)
            }
        }
        return data
    }

    /// Decodes a stored vector; throws ``HiveError/Code/malformed`` when the length is neither
    /// `dimensions` (codes) nor `4 + dimensions` (scale and codes, before schema v6).
    public static func decode(_ data: Data, dimensions: Int) throws -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(dimensions)
        try decode(data, dimensions: dimensions, appendingTo: &out)
        return out
    }

    /// Decodes into `out` (appending), avoiding an intermediate array when rebuilding an index.
    static func decode(_ data: Data, dimensions: Int, appendingTo out: inout [Float]) throws {
        let offset: Int
        switch data.count {
        case dimensions: offset = 0
        case 4 + dimensions: offset = 4
        default:
            throw HiveError(.malformed, "stored embedding is \(data.count) bytes; expected \(dimensions) (or \(4 + dimensions) before schema v6)")
        }
        data.withUnsafeBytes { raw in
            let codes = raw[offset..<offset + dimensions]
            let scale: Float
            if offset == 4 {
                scale = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            } else {
                var sum = 0
                for byte in codes {
                    let code = Int(Int8(bitPattern: byte))
                    sum += code * code
                }
                scale = sum > 0 ? 1 / Float(sum).squareRoot() : 0
            }
            for byte in codes { out.append(Float(Int8(bitPattern: byte)) * scale) }
        }
    }

    /// The codes of a row written before schema v6 (`scale ‖ codes`), for the v6 migration;
    /// throws ``HiveError/Code/malformed`` for a blob shorter than its scale.
    static func stripLegacyScale(_ data: Data, what: String) throws -> Data {
        guard data.count > 4 else { throw HiveError(.malformed, "\(what): stored embedding of \(data.count) bytes has no codes") }
        return Data(data.dropFirst(4))
    }
}
