import Foundation
import HiveCore

/// A WordPiece vocabulary (`vocab.txt`: one token per line, id = line number).
///
/// Tokens are compared as raw UTF-8 bytes, never as Swift `String`s: `String` equality follows
/// canonical equivalence, which would merge distinct vocabulary entries. Lookups hash a byte range
/// in place, so tokenising allocates nothing per candidate piece.
public struct Vocabulary: Sendable {
    /// All token bytes, concatenated.
    private let bytes: [UInt8]
    /// Token `i` occupies `bytes[offsets[i]..<offsets[i + 1]]`.
    private let offsets: [Int32]
    /// Open-addressing table of token ids (-1 = empty), keyed by FNV-1a of the token bytes.
    private let table: [Int32]
    private let mask: Int

    /// The number of tokens.
    public var count: Int { offsets.count - 1 }

    /// Parses `vocab.txt` content. `fileName` names the file in errors.
    public init(data: Data, fileName: String = "vocab.txt") throws(HiveError) {
        guard !data.isEmpty else { throw HiveError(.malformed, "\(fileName) is empty") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count)
        var offsets: [Int32] = [0]
        var lineNumber = 0
        var lineStart = 0
        let raw = [UInt8](data)
        var index = 0
        while index <= raw.count {
            if index == raw.count || raw[index] == 0x0A {
                lineNumber += 1
                var end = index
                if end > lineStart, raw[end - 1] == 0x0D { end -= 1 }
                // A final newline does not start another token.
                if index == raw.count, lineStart == raw.count { break }
                let line = raw[lineStart..<end]
                guard String(validating: line, as: UTF8.self) != nil else {
                    throw HiveError(.malformed, "\(fileName) line \(lineNumber) is not valid UTF-8")
                }
                // Like HF's loader, only the line break is stripped; other whitespace is part of the token.
                bytes.append(contentsOf: line)
                guard bytes.count < Int(Int32.max) else {
                    throw HiveError(.malformed, "\(fileName) is too large")
                }
                offsets.append(Int32(bytes.count))
                lineStart = index + 1
            }
            index += 1
        }
        guard offsets.count > 1 else { throw HiveError(.malformed, "\(fileName) holds no tokens") }
        self.bytes = bytes
        self.offsets = offsets
        var capacity = 16
        while capacity < (offsets.count - 1) * 2 { capacity <<= 1 }
        var table = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        bytes.withUnsafeBufferPointer { all in
            for id in 0..<(offsets.count - 1) {
                let piece = UnsafeBufferPointer(rebasing: all[Int(offsets[id])..<Int(offsets[id + 1])])
                var slot = Int(truncatingIfNeeded: Self.hash(piece, seed: Self.fnvOffset)) & mask
                while true {
                    let existing = table[slot]
                    if existing < 0 {
                        table[slot] = Int32(id)
                        break
                    }
                    let other = UnsafeBufferPointer(
                        rebasing: all[Int(offsets[Int(existing)])..<Int(offsets[Int(existing) + 1])])
                    if other.elementsEqual(piece) {
                        // A repeated token keeps its last line number, as HF's loader does.
                        table[slot] = Int32(id)
                        break
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
        self.table = table
        self.mask = mask
    }

    /// Loads and parses `url`; errors name the file.
    public init(contentsOf url: URL) throws(HiveError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HiveError(.unavailable, "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data, fileName: url.lastPathComponent)
    }

    /// The id of `token`, if present.
    public func id(of token: String) -> Int32? {
        var utf8 = Array(token.utf8)
        return utf8.withUnsafeMutableBufferPointer { buffer in
            lookup(UnsafeBufferPointer(buffer), continuation: false)
        }
    }

    /// The token with `id`, if in range.
    public func token(_ id: Int) -> String? {
        guard id >= 0, id < count else { return nil }
        return String(decoding: bytes[Int(offsets[id])..<Int(offsets[id + 1])], as: UTF8.self)
    }

    /// Looks up `piece`; with `continuation`, looks up `"##" + piece`.
    func lookup(_ piece: UnsafeBufferPointer<UInt8>, continuation: Bool) -> Int32? {
        let seed = continuation ? Self.continuationSeed : Self.fnvOffset
        var slot = Int(truncatingIfNeeded: Self.hash(piece, seed: seed)) & mask
        return bytes.withUnsafeBufferPointer { all -> Int32? in
            while true {
                let id = table[slot]
                if id < 0 { return nil }
                let start = Int(offsets[Int(id)])
                let end = Int(offsets[Int(id) + 1])
                if continuation {
                    if end - start == piece.count + 2, all[start] == 0x23, all[start + 1] == 0x23,
                        piece.count == 0 || memcmp(all.baseAddress! + start + 2, piece.baseAddress!, piece.count) == 0
                    {
                        return id
                    }
                } else if end - start == piece.count,
                    piece.count == 0 || memcmp(all.baseAddress! + start, piece.baseAddress!, piece.count) == 0
                {
                    return id
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3
    /// FNV state after hashing "##", so continuation pieces hash like their vocabulary entries.
    private static let continuationSeed: UInt64 = {
        var h = fnvOffset
        h = (h ^ 0x23) &* fnvPrime
        h = (h ^ 0x23) &* fnvPrime
        return h
    }()

    private static func hash(_ piece: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var h = seed
        for byte in piece { h = (h ^ UInt64(byte)) &* fnvPrime }
        // Final avalanche so the low bits used as the slot depend on every byte.
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
