import HiveCore

/// A 32-byte SHA-256 value in the Merkle tree: a leaf hash, an interior node hash or a root.
///
/// Stored inline as four words so that a million-node tree is one flat array with no
/// per-hash heap allocation.
public struct TreeHash: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Number of bytes in a hash.
    public static let byteCount = 32

    // Bytes 0..<8, 8..<16, … in memory order (the byte order of the digest).
    @usableFromInline var w0, w1, w2, w3: UInt64

    @usableFromInline init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Reads a hash from exactly 32 bytes; throws ``HiveError/Code/malformed`` otherwise.
    ///
    /// Inlinable so it is specialised for the caller's collection: storage reads millions of
    /// hashes from `Data` during an audit, and the unspecialised generic byte loop (runtime
    /// metadata look-ups per byte) was a third of the audit's CPU time.
    @inlinable public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw HiveError(.malformed, "a tree hash has 32 bytes, got \(bytes.count)")
        }
        if let hash = bytes.withContiguousStorageIfAvailable({ TreeHash(unsafeRaw: UnsafeRawBufferPointer($0)) }) {
            self = hash
            return
        }
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &words) { raw in
            var offset = 0
            for byte in bytes {
                raw[offset] = byte
                offset += 1
            }
        }
        self.init(words: words.0, words.1, words.2, words.3)
    }

    /// Reads a hash from exactly 32 raw bytes (e.g. a database blob read in place);
    /// throws ``HiveError/Code/malformed`` otherwise.
    @inlinable public init(rawBytes raw: UnsafeRawBufferPointer) throws {
        guard raw.count == Self.byteCount else {
            throw HiveError(.malformed, "a tree hash has 32 bytes, got \(raw.count)")
        }
        self.init(unsafeRaw: raw)
    }

    /// Reads a hash from a 64-character hexadecimal string.
    public init(hex: String) throws {
        guard let bytes = Hex.decode(hex), bytes.count == Self.byteCount else {
            throw HiveError(.malformed, "a tree hash is 64 hex characters, got \(hex.prefix(80).debugDescription)")
        }
        try self.init(bytes: bytes)
    }

    /// Wraps raw bytes the caller already knows to be 32 long (digest output).
    @inlinable init(unsafeRaw raw: UnsafeRawBufferPointer) {
        self.init(
            words: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// The 32 bytes of the hash.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Gives temporary access to the 32 bytes without copying them to the heap.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0, w1, w2, w3)
        return try Swift.withUnsafeBytes(of: &words, body)
    }

    /// Lower-case hexadecimal form.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// Byte-wise (lexicographic) order.
    public static func < (lhs: TreeHash, rhs: TreeHash) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// A copy with one bit flipped (bit 0 is the most significant bit of byte 0); for tests and fault injection.
    public func flippingBit(_ bit: Int) -> TreeHash {
        var words = (w0, w1, w2, w3)
        Swift.withUnsafeMutableBytes(of: &words) { raw in
            raw[(bit / 8) % Self.byteCount] ^= UInt8(0x80) >> UInt8(bit % 8)
        }
        return TreeHash(words: words.0, words.1, words.2, words.3)
    }
}

extension TreeHash: Codable {
    /// Encoded as a lower-case hex string.
    public init(from decoder: any Decoder) throws {
        try self.init(hex: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
