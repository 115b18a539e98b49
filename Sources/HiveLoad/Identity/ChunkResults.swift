import HiveCore
import Synchronization

/// Per-chunk outputs of a `concurrentPerform` (each chunk writes only its own slot).
final class ChunkResults: Sendable {
    private let slots: Mutex<[[NodeIdentity]?]>
    private let failed = Mutex(false)

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ value: [NodeIdentity]) { slots.withLock { $0[index] = value } }
    func fail() { failed.withLock { $0 = true } }

    func joined(path: String) throws -> [NodeIdentity] {
        if failed.withLock({ $0 }) { throw HiveError(.keyFile, "\(path) holds an invalid Ed25519 seed") }
        return try slots.withLock { slots in
            var all: [NodeIdentity] = []
            for slot in slots {
                guard let slot else { throw HiveError(.keyFile, "\(path): a chunk was not loaded") }
                all += slot
            }
            return all
        }
    }
}
