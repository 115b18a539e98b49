import Foundation
import HiveCore

/// How embeddings are stored in the twin's tables: L2-normalised, then int8 with one scale per
/// vector (`x ≈ code × scale`), as `scale (Float32, little-endian) ‖ codes`. A 384-d vector takes
/// 388 bytes instead of 1,536 as f32; cosine similarity changes by well under 0.01.
public enum EmbeddingCodec {
    /// Encodes a vector (normalising it first).
    public static func encode(_ vector: [Float]) -> Data {
        var norm: Float = 0
        for x in vector { norm += x * x }
        norm = norm.squareRoot()
        let inv: Float = norm > 0 ? 1 / norm : 0
        var maxAbs: Float = 0
        for x in vector { maxAbs = max(maxAbs, abs(x * inv)) }
        let scale: Float = maxAbs > 0 ? maxAbs / 127 : 0
        let q: Float = maxAbs > 0 ? 127 / maxAbs : 0
        var data = Data(count: 4 + vector.count)
        data.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: scale.bitPattern.littleEndian, toByteOffset: 0, as: UInt32.self)
            for (i, x) in vector.enumerated() {
                let code = Int8(max(-127, min(127, (x * inv * q).rounded())))
                raw.storeBytes(of: code, toByteOffset: 4 + i, as: Int8.self)
            }
        }
        return data
    }

    /// Decodes a stored vector; throws ``HiveError/Code/malformed`` when the length is wrong.
    public static func decode(_ data: Data, dimensions: Int) throws -> [Float] {
        guard data.count == 4 + dimensions else {
            throw HiveError(.malformed, "stored embedding is \(data.count) bytes; expected \(4 + dimensions)")
        }
        return data.withUnsafeBytes { raw in
            let scale = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            return (0..<dimensions).map { Float(raw.load(fromByteOffset: 4 + $0, as: Int8.self)) * scale }
        }
    }

    /// Decodes into `out` (appending), avoiding an intermediate array when rebuilding an index.
    static func decode(_ data: Data, dimensions: Int, appendingTo out: inout [Float]) throws {
        guard data.count == 4 + dimensions else {
            throw HiveError(.malformed, "stored embedding is \(data.count) bytes; expected \(4 + dimensions)")
        }
        data.withUnsafeBytes { raw in
            let scale = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            for j in 0..<dimensions { out.append(Float(raw.load(fromByteOffset: 4 + j, as: Int8.self)) * scale) }
        }
    }
}
