#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One index shared by many threads: any number of concurrent readers, one writer at a time.
///
/// Readers run `read` under the shared side of a reader–writer lock and search the index in
/// place (no copy); a writer runs `write` under the exclusive side. Because the wrapped index is
/// a value type, `snapshot()` hands out an immutable copy that can be searched with no lock at
/// all while writers continue (copy-on-write duplicates the storage only if a write then happens
/// while the snapshot is alive).
///
/// `@unchecked Sendable`: `index` is only touched inside `read` (shared lock held) or `write`
/// (exclusive lock held), and searches never mutate an index, so readers never race a writer
/// or each other.
public final class SharedVectorIndex<Index: VectorIndex>: @unchecked Sendable {
    private var index: Index
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    public init(_ index: Index) {
        self.index = index
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` with shared (read) access; many readers may run at once.
    public func read<R>(_ body: (borrowing Index) throws -> R) rethrows -> R {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(index)
    }

    /// Runs `body` with exclusive (write) access. If `body` throws, changes it made to the
    /// index before throwing are kept; index operations themselves are atomic.
    public func write<R>(_ body: (inout Index) throws -> R) rethrows -> R {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&index)
    }

    /// An immutable copy to search without holding the lock.
    public func snapshot() -> Index { read { copy $0 } }

    /// Convenience: search under the read lock.
    public func search(_ query: [Float], k: Int, filter: VectorFilter? = nil) throws -> [SearchHit] {
        try read { try $0.search(query, k: k, filter: filter) }
    }
}
