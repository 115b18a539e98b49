#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HiveCore

/// Writes an index file: a placeholder header, then 64-byte-padded sections streamed straight
/// from the index's buffers (no intermediate copy), then the real header. The file is written
/// under a temporary name, fsynced and renamed, so a crash never leaves a half-written index
/// at `path`.
struct IndexFileWriter {
    private let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var hasher = Checksum64()
    private var payloadBytes: UInt64 = 0
    private static let zeros = [UInt8](repeating: 0, count: 64)

    init(path: String) throws {
        self.path = path
        temporaryPath = path + ".tmp-\(getpid())"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw HiveError(.io, "\(path): cannot create index file (\(String(cString: strerror(errno))))")
        }
        let placeholder = [UInt8](repeating: 0, count: IndexFileHeader.size)
        try placeholder.withUnsafeBytes { try writeAll($0.baseAddress!, $0.count) }
    }

    private func writeAll(_ p: UnsafeRawPointer, _ n: Int) throws {
        var done = 0
        while done < n {
            let w = write(fd, p + done, n - done)
            if w < 0 {
                if errno == EINTR { continue }
                throw HiveError(.io, "\(path): write failed (\(String(cString: strerror(errno))))")
            }
            done += w
        }
    }

    /// Appends a section of raw bytes, zero-padded to a multiple of 64.
    mutating func writeSection(_ p: UnsafeRawPointer, byteCount: Int) throws {
        let whole = byteCount / 64 * 64
        if whole > 0 {
            try writeAll(p, whole)
            hasher.update(p, byteCount: whole)
        }
        let rest = byteCount - whole
        if rest > 0 {
            var block = [UInt8](repeating: 0, count: 64)
            block.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: p + whole, byteCount: rest) }
            try block.withUnsafeBytes { try writeAll($0.baseAddress!, 64) }
            block.withUnsafeBytes { hasher.update($0.baseAddress!, byteCount: 64) }
        }
        payloadBytes += UInt64((byteCount + 63) / 64 * 64)
    }

    /// Appends an array of plain values as one section.
    mutating func writeSection<T: BitwiseCopyable>(_ values: [T]) throws {
        try values.withUnsafeBytes { raw in
            if let base = raw.baseAddress { try writeSection(base, byteCount: raw.count) }
        }
    }

    /// Writes the header, syncs and renames into place; returns the file's checksum.
    mutating func finish(
        kind: IndexFileKind, dimension: Int, metric: DistanceMetric, count: Int, parameter: UInt64
    ) throws -> UInt64 {
        let header = IndexFileHeader(
            kind: kind, dimension: dimension, metric: metric, count: count,
            payloadBytes: payloadBytes, payloadChecksum: hasher.finalize(), parameter: parameter
        )
        let (bytes, checksum) = header.encoded()
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        guard written == IndexFileHeader.size, fsync(fd) == 0 else {
            throw HiveError(.io, "\(path): cannot finish index file (\(String(cString: strerror(errno))))")
        }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            throw HiveError(.io, "\(path): cannot move index file into place (\(String(cString: strerror(errno))))")
        }
        return checksum
    }

    /// Closes and deletes the temporary file after a failure.
    mutating func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryPath)
    }
}
