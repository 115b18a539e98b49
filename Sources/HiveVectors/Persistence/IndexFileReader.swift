#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HiveCore

/// Reads an index file section by section with bulk `read(2)` calls straight into the index's
/// buffers, checksumming as it goes. Every section length is checked against the bytes left
/// before anything is allocated, so a corrupt header cannot trigger a huge allocation.
struct IndexFileReader {
    let path: String
    let header: IndexFileHeader
    /// The file's checksum (the header checksum, which covers the payload checksum).
    let checksum: UInt64
    private var fd: Int32
    private var remaining: UInt64
    var remainingBytes: UInt64 { remaining }
    private var hasher = Checksum64()

    init(path: String, kind: IndexFileKind, expectedChecksum: UInt64?) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw HiveError(.io, "\(path): cannot open index file (\(String(cString: strerror(errno))))")
        }
        do {
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw HiveError(.io, "\(path): cannot stat index file") }
            var bytes = [UInt8](repeating: 0, count: IndexFileHeader.size)
            let headerRead = bytes.withUnsafeMutableBytes { Self.readAll(fd, $0.baseAddress!, $0.count) }
            guard headerRead == IndexFileHeader.size else {
                throw HiveError(.malformed, "\(path): file is shorter than the \(IndexFileHeader.size)-byte index header")
            }
            let (header, checksum) = try IndexFileHeader.decode(bytes, expecting: kind, path: path)
            let fileSize = UInt64(st.st_size)
            let expectedSize = UInt64(IndexFileHeader.size) + header.payloadBytes
            guard fileSize == expectedSize else {
                throw HiveError(.malformed, "\(path): file has \(fileSize) bytes, header promises \(expectedSize) (truncated or padded)")
            }
            if let expectedChecksum, expectedChecksum != checksum {
                throw HiveError(.malformed, "\(path): checksum \(checksum) differs from the expected \(expectedChecksum)")
            }
            self.header = header
            self.checksum = checksum
            self.fd = fd
            remaining = header.payloadBytes
        } catch {
            close(fd)
            throw error
        }
    }

    private static func readAll(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int {
        var done = 0
        while done < n {
            let r = read(fd, p + done, n - done)
            if r < 0, errno == EINTR { continue }
            if r <= 0 { break }
            done += r
        }
        return done
    }

    /// Reads a section of `byteCount` bytes (plus its padding) into `p`, which must have room for
    /// `byteCount` bytes.
    mutating func readSection(into p: UnsafeMutableRawPointer, byteCount: Int, what: String) throws {
        let padded = (byteCount + 63) / 64 * 64
        guard byteCount >= 0, UInt64(padded) <= remaining else {
            throw HiveError(.malformed, "\(path): \(what) section (\(byteCount) bytes) runs past the end of the file")
        }
        let whole = byteCount / 64 * 64
        if whole > 0 {
            guard Self.readAll(fd, p, whole) == whole else {
                throw HiveError(.malformed, "\(path): \(what) section is truncated")
            }
            hasher.update(p, byteCount: whole)
        }
        if padded > whole {
            var block = [UInt8](repeating: 0, count: 64)
            try block.withUnsafeMutableBytes { raw in
                guard Self.readAll(fd, raw.baseAddress!, 64) == 64 else {
                    throw HiveError(.malformed, "\(path): \(what) section is truncated")
                }
                hasher.update(raw.baseAddress!, byteCount: 64)
                (p + whole).copyMemory(from: raw.baseAddress!, byteCount: byteCount - whole)
            }
        }
        remaining -= UInt64(padded)
    }

    /// Reads a section of `count` plain values.
    mutating func readArray<T: BitwiseCopyable>(_ type: T.Type, count: Int, what: String) throws -> [T] {
        let bytes = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !bytes.overflow, UInt64(bytes.partialValue) <= remaining else {
            throw HiveError(.malformed, "\(path): \(what) section (\(count) values) runs past the end of the file")
        }
        if count == 0 { return [] }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readSection(into: UnsafeMutableRawPointer(buffer.baseAddress!), byteCount: bytes.partialValue, what: what)
            initialized = count
        }
    }

    /// Checks that the whole payload was consumed and its checksum matches, then closes the file.
    mutating func finish() throws {
        defer { close(fd); fd = -1 }
        guard remaining == 0 else {
            throw HiveError(.malformed, "\(path): \(remaining) unexpected bytes after the last section")
        }
        guard hasher.finalize() == header.payloadChecksum else {
            throw HiveError(.malformed, "\(path): payload checksum mismatch (corrupt index file)")
        }
    }

    /// Closes the file after a failure.
    mutating func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
    }
}

extension IndexFileReader {
    /// Throws unless at least `byteCount` payload bytes remain (check before allocating).
    func require(byteCount: Int, what: String) throws {
        guard byteCount >= 0, UInt64(byteCount) <= remainingBytes else {
            throw HiveError(.malformed, "\(path): \(what) (\(byteCount) bytes) runs past the end of the file")
        }
    }
}

extension IndexFileReader {
    /// Reads and validates only the header, returning the file's checksum.
    static func peekChecksum(path: String, kind: IndexFileKind) throws -> UInt64 {
        var reader = try IndexFileReader(path: path, kind: kind, expectedChecksum: nil)
        reader.abandon()
        return reader.checksum
    }
}
