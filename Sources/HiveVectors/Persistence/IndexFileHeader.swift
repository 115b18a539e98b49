import HiveCore

/// The fixed 64-byte header of an index file (little-endian).
///
/// ```
///  0  magic "HIVEVEC\0"      24  count u64
///  8  format version u32     32  payload bytes u64
/// 12  kind u32               40  payload checksum u64
/// 16  dimension u32          48  kind-specific parameter u64
/// 20  metric u32             56  header checksum u64 (over bytes 0..<56; the file's checksum)
/// ```
/// The payload follows as sections, each padded to 64 bytes so bulk reads land on aligned rows.
struct IndexFileHeader: Equatable {
    static let size = 64
    static let magic: UInt64 = 0x0043_4556_4556_4948  // "HIVEVEC\0" read as little-endian
    static let formatVersion: UInt32 = 1

    var kind: IndexFileKind
    var dimension: Int
    var metric: DistanceMetric
    var count: Int
    var payloadBytes: UInt64
    var payloadChecksum: UInt64
    var parameter: UInt64

    /// Serialises the header, computing its checksum; returns the bytes and the checksum.
    func encoded() -> ([UInt8], UInt64) {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        func put<T: FixedWidthInteger>(_ v: T, at offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { raw in
                for (i, b) in raw.enumerated() { bytes[offset + i] = b }
            }
        }
        put(Self.magic, at: 0)
        put(Self.formatVersion, at: 8)
        put(kind.rawValue, at: 12)
        put(UInt32(dimension), at: 16)
        put(metric.rawValue, at: 20)
        put(UInt64(count), at: 24)
        put(payloadBytes, at: 32)
        put(payloadChecksum, at: 40)
        put(parameter, at: 48)
        let checksum = Self.checksum(of: bytes)
        put(checksum, at: 56)
        return (bytes, checksum)
    }

    /// Checksum over bytes 0..<56, zero-padded to one 64-byte block.
    static func checksum(of bytes: [UInt8]) -> UInt64 {
        var block = Array(bytes.prefix(56)) + [UInt8](repeating: 0, count: 8)
        var hasher = Checksum64(seed: 0x48_49_56_45)
        block.withUnsafeMutableBytes { hasher.update($0.baseAddress!, byteCount: 64) }
        return hasher.finalize()
    }

    /// Parses and validates a header; `path` names the file in errors.
    static func decode(_ bytes: [UInt8], expecting kind: IndexFileKind, path: String) throws -> (IndexFileHeader, UInt64) {
        guard bytes.count == size else {
            throw HiveError(.malformed, "\(path): file is shorter than the \(size)-byte index header")
        }
        func get<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            var v = T.zero
            withUnsafeMutableBytes(of: &v) { raw in
                for i in 0..<MemoryLayout<T>.size { raw[i] = bytes[offset + i] }
            }
            return T(littleEndian: v)
        }
        guard get(UInt64.self, at: 0) == magic else {
            throw HiveError(.malformed, "\(path): not a Hive vector index (bad magic)")
        }
        let stored = get(UInt64.self, at: 56)
        guard checksum(of: bytes) == stored else {
            throw HiveError(.malformed, "\(path): index header checksum mismatch (corrupt header)")
        }
        let version = get(UInt32.self, at: 8)
        guard version == formatVersion else {
            throw HiveError(.malformed, "\(path): unsupported index format version \(version)")
        }
        guard let fileKind = IndexFileKind(rawValue: get(UInt32.self, at: 12)) else {
            throw HiveError(.malformed, "\(path): unknown index kind \(get(UInt32.self, at: 12))")
        }
        guard fileKind == kind else {
            throw HiveError(.malformed, "\(path): holds a \(fileKind.name), not a \(kind.name)")
        }
        guard let metric = DistanceMetric(rawValue: get(UInt32.self, at: 20)) else {
            throw HiveError(.malformed, "\(path): unknown metric \(get(UInt32.self, at: 20))")
        }
        let dimension = Int(get(UInt32.self, at: 16))
        guard dimension > 0, dimension <= VectorValidation.maxDimension else {
            throw HiveError(.malformed, "\(path): dimension \(dimension) out of range")
        }
        let count = get(UInt64.self, at: 24)
        guard count <= UInt64(Int32.max) else {
            throw HiveError(.malformed, "\(path): vector count \(count) out of range")
        }
        let header = IndexFileHeader(
            kind: fileKind, dimension: dimension, metric: metric, count: Int(count),
            payloadBytes: get(UInt64.self, at: 32), payloadChecksum: get(UInt64.self, at: 40),
            parameter: get(UInt64.self, at: 48)
        )
        return (header, stored)
    }
}
