#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HiveCore

/// A private, read-only memory map of a whole file, populated up front. Index buffers loaded
/// from a file point into it instead of copying (a 100K × 384 index opens in tens of
/// milliseconds); a buffer copies its rows out before its first write (a writable private
/// mapping would make the prefault copy every page). Unmapped when the last buffer using it is
/// released.
///
/// `@unchecked Sendable`: the mapping itself is immutable; the bytes inside are owned by the
/// RowBuffers that point into it, under their own copy-on-write discipline.
final class FileMapping: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let length: Int

    init(fd: Int32, length: Int, path: String) throws {
        guard length > 0 else { throw HiveError(.malformed, "\(path): empty file") }
        #if os(Linux)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        let p = mmap(nil, length, PROT_READ, flags, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw HiveError(.io, "\(path): cannot map index file (\(String(cString: strerror(errno))))")
        }
        base = p
        self.length = length
    }

    deinit { munmap(base, length) }
}
