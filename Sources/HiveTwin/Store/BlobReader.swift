import Foundation
import HiveCore

/// Bounds-checked reading of the twin's compact binary blobs (LEB128 varint lengths, UTF-8
/// strings): the sealed private fields of an episode and a pattern's context and provenance.
/// Every failure is ``HiveError/Code/malformed`` and names `what` was being read.
struct BlobReader {
    let bytes: [UInt8]
    /// What is read, for error messages, e.g. "private fields of episode 01J…".
    let what: String
    private(set) var offset = 0

    init(bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - offset }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw HiveError(.malformed, "\(what): truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A LEB128 length of at most five bytes.
    mutating func varint() throws -> Int {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
            guard shift < 35 else { throw HiveError(.malformed, "\(what): oversized length") }
        }
        return Int(value)
    }

    /// The next `length` bytes.
    mutating func chunk(_ length: Int) throws -> Data {
        Data(try take(length))
    }

    /// The next `length` bytes as UTF-8 text.
    mutating func string(_ length: Int) throws -> String {
        guard let text = String(validating: try take(length), as: UTF8.self) else {
            throw HiveError(.malformed, "\(what): a string is not UTF-8")
        }
        return text
    }

    /// Throws unless every byte was read.
    func finish() throws {
        guard offset == bytes.count else { throw HiveError(.malformed, "\(what): \(remaining) trailing bytes") }
    }

    private mutating func take(_ length: Int) throws -> ArraySlice<UInt8> {
        guard length >= 0, length <= remaining else { throw HiveError(.malformed, "\(what): a field overruns its blob") }
        defer { offset += length }
        return bytes[offset..<(offset + length)]
    }
}
