import Synchronization

/// Counts of the frames a channel sent, by message type, with their bytes (for `hive bench mesh`
/// and `hive mesh status`: what a protocol round costs on the wire).
public final class MeshTraffic: Sendable {
    /// Frames and bytes of one message type.
    public struct Count: Sendable, Hashable, Codable {
        public var frames = 0
        public var bytes = 0
    }

    private let counts = Mutex<[String: Count]>([:])

    public init() {}

    func record(_ type: String, bytes: Int) {
        counts.withLock { counts in
            counts[type, default: Count()].frames += 1
            counts[type, default: Count()].bytes += bytes
        }
    }

    /// Frames sent so far, by message type.
    public var snapshot: [String: Count] { counts.withLock { $0 } }

    /// All frames and bytes sent so far.
    public var total: Count {
        snapshot.values.reduce(into: Count()) { total, count in
            total.frames += count.frames
            total.bytes += count.bytes
        }
    }
}
