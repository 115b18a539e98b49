import HiveCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped read-only into memory (weights are paged in on demand, never copied).
///
/// `@unchecked Sendable`: the mapping is private and read-only (`PROT_READ`), never written after
/// `init`, and unmapped only in `deinit`, when no other reference can exist.
final class MappedFile: @unchecked Sendable {
    let path: String
    let base: UnsafeRawPointer
    let count: Int
    private let mappedLength: Int

    /// - Throws: `HiveError(.unavailable)` when the file is missing or unreadable (naming it).
    init(path: String) throws(HiveError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw HiveError(.unavailable, "cannot open \(path): \(reason)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw HiveError(.io, "cannot stat \(path)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw HiveError(.malformed, "\(path) is not a regular file")
        }
        let size = Int(info.st_size)
        count = size
        mappedLength = max(size, 1)
        if size == 0 {
            // Nothing to map; keep a valid, never-read pointer so `count == 0` is handled by callers.
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16))
            isMapped = false
            return
        }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw HiveError(.io, "cannot map \(path) into memory")
        }
        base = UnsafeRawPointer(pointer)
        isMapped = true
    }

    private let isMapped: Bool

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), mappedLength)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// The bytes as a buffer.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Drops the resident pages wholly inside `[pointer, pointer + byteCount)` (a range of this
    /// mapping that will not be read again, e.g. weights already copied into a packed layout), so
    /// they stop counting towards the process's memory. Reading them later would page them back in
    /// from the file, so this never changes what the mapping contains.
    func releasePages(_ pointer: UnsafeRawPointer, byteCount: Int) {
        guard isMapped, pointer >= base, pointer + byteCount <= base + count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: pointer) + page - 1) / page * page
        let end = (Int(bitPattern: pointer) + byteCount) / page * page
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(first, end - start, Int32(MADV_DONTNEED))
    }
}
