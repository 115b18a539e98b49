#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HiveCore

/// Reads an index file through one private memory map: large sections (vector rows, link rows)
/// are used in place via ``mapRows(_:stride:rows:what:)``, small ones are copied out. Every
/// section is checksummed as it is consumed and every length is checked against the bytes left
/// before anything is allocated, so a corrupt header cannot trigger a huge allocation.
struct IndexFileReader {
    let path: String
    let header: IndexFileHeader
    /// The file's checksum (the header checksum, which covers the payload checksum).
    let checksum: UInt64
    let mapping: FileMapping
    private var offset: Int
    private var hasher = Checksum64()

    var remainingBytes: UInt64 { UInt64(mapping.length - offset) }

    init(path: String, kind: IndexFileKind, expectedChecksum: UInt64?) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw HiveError(.io, "\(path): cannot open index file (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HiveError(.io, "\(path): cannot stat index file") }
        let fileSize = Int(st.st_size)
        guard fileSize >= IndexFileHeader.size else {
            throw HiveError(.malformed, "\(path): file is shorter than the \(IndexFileHeader.size)-byte index header")
        }
        let mapping = try FileMapping(fd: fd, length: fileSize, path: path)
        let bytes = Array(UnsafeRawBufferPointer(start: mapping.base, count: IndexFileHeader.size))
        let (header, checksum) = try IndexFileHeader.decode(bytes, expecting: kind, path: path)
        let expectedSize = UInt64(IndexFileHeader.size) + header.payloadBytes
        guard UInt64(fileSize) == expectedSize else {
            throw HiveError(.malformed, "\(path): file has \(fileSize) bytes, header promises \(expectedSize) (truncated or padded)")
        }
        if let expectedChecksum, expectedChecksum != checksum {
            throw HiveError(.malformed, "\(path): checksum \(checksum) differs from the expected \(expectedChecksum)")
        }
        self.header = header
        self.checksum = checksum
        self.mapping = mapping
        offset = IndexFileHeader.size
    }

    /// Throws unless at least `byteCount` payload bytes remain (check before allocating).
    func require(byteCount: Int, what: String) throws {
        guard byteCount >= 0, UInt64(byteCount) <= remainingBytes else {
            throw HiveError(.malformed, "\(path): \(what) (\(byteCount) bytes) runs past the end of the file")
        }
    }

    /// Consumes a section of `byteCount` bytes plus padding; returns its start in the mapping.
    private mutating func consume(byteCount: Int, what: String) throws -> UnsafeMutableRawPointer {
        let padded = (byteCount + 63) / 64 * 64
        guard byteCount >= 0, UInt64(padded) <= remainingBytes else {
            throw HiveError(.malformed, "\(path): \(what) section (\(byteCount) bytes) runs past the end of the file")
        }
        let start = mapping.base + offset
        hasher.update(start, byteCount: padded)
        offset += padded
        return start
    }

    /// Copies a section of `byteCount` bytes into `p`.
    mutating func readSection(into p: UnsafeMutableRawPointer, byteCount: Int, what: String) throws {
        let start = try consume(byteCount: byteCount, what: what)
        p.copyMemory(from: start, byteCount: byteCount)
    }

    /// A row buffer over a section of `rows × stride` elements, used in place (no copy).
    mutating func mapRows<T: BitwiseCopyable>(_ type: T.Type, stride: Int, rows: Int, what: String) throws -> RowBuffer<T> {
        let bytes = rows.multipliedReportingOverflow(by: stride * MemoryLayout<T>.stride)
        guard rows >= 0, !bytes.overflow else { throw HiveError(.malformed, "\(path): \(what) size overflows") }
        if rows == 0 {
            _ = try consume(byteCount: 0, what: what)
            return RowBuffer(stride: stride)
        }
        let start = try consume(byteCount: bytes.partialValue, what: what)
        return RowBuffer(stride: stride, rows: rows, mapping: mapping, offset: start - mapping.base)
    }

    /// Reads a section of `count` plain values.
    mutating func readArray<T: BitwiseCopyable>(_ type: T.Type, count: Int, what: String) throws -> [T] {
        let bytes = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !bytes.overflow, UInt64(bytes.partialValue) <= remainingBytes else {
            throw HiveError(.malformed, "\(path): \(what) section (\(count) values) runs past the end of the file")
        }
        let start = try consume(byteCount: bytes.partialValue, what: what)
        return [T](UnsafeBufferPointer(start: start.bindMemory(to: T.self, capacity: count), count: count))
    }

    /// Checks that the whole payload was consumed and its checksum matches.
    mutating func finish() throws {
        guard remainingBytes == 0 else {
            throw HiveError(.malformed, "\(path): \(remainingBytes) unexpected bytes after the last section")
        }
        guard hasher.finalize() == header.payloadChecksum else {
            throw HiveError(.malformed, "\(path): payload checksum mismatch (corrupt index file)")
        }
    }

    /// Releases the file after a failure (the mapping goes when the last buffer using it does).
    mutating func abandon() {}

    /// Reads and validates only the header, returning the file's checksum.
    static func peekChecksum(path: String, kind: IndexFileKind) throws -> UInt64 {
        try IndexFileReader(path: path, kind: kind, expectedChecksum: nil).checksum
    }
}
