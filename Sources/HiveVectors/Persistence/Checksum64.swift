/// A fast 64-bit checksum for index files (not cryptographic: it detects truncation, bit rot
/// and foreign files, not tampering — sign the file or its checksum for that).
///
/// Eight 64-bit lanes each absorb one word of every 64-byte block with a multiply–rotate round,
/// which the optimised build vectorises (about as fast as the file can be read), then the lanes
/// are folded and avalanched with the total length.
struct Checksum64 {
    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9

    private var lanes: SIMD8<UInt64>
    private(set) var length: UInt64 = 0

    init(seed: UInt64 = 0) {
        lanes = SIMD8(1, 2, 3, 4, 5, 6, 7, 8) &* Self.p1 &+ SIMD8(repeating: seed)
    }

    /// Absorbs `byteCount` bytes; `byteCount` must be a multiple of 64 (file sections are padded).
    mutating func update(_ bytes: UnsafeRawPointer, byteCount: Int) {
        var acc = lanes
        let blocks = byteCount / 64
        let p1 = SIMD8<UInt64>(repeating: Self.p1), p2 = SIMD8<UInt64>(repeating: Self.p2)
        for b in 0..<blocks {
            let word = bytes.loadUnaligned(fromByteOffset: b &* 64, as: SIMD8<UInt64>.self)
            acc = acc &+ word &* p2
            acc = (acc &<< 31) | (acc &>> 33)
            acc = acc &* p1
        }
        lanes = acc
        length &+= UInt64(byteCount)
    }

    /// The checksum of everything absorbed so far.
    func finalize() -> UInt64 {
        var h = length &* Self.p3
        for i in 0..<8 {
            var v = lanes[i] &* Self.p2
            v = (v &<< 31) | (v &>> 33)
            h = (h ^ (v &* Self.p1)) &* Self.p1 &+ Self.p3
        }
        h ^= h >> 33
        h = h &* Self.p2
        h ^= h >> 29
        h = h &* Self.p3
        h ^= h >> 32
        return h
    }
}
