import Synchronization

/// Per-principal token buckets (a twin, the admin, or a remote address): `capacity` requests,
/// refilled continuously at `capacity` per minute. In-process: with several replicas each
/// enforces its own share.
public final class RateLimiter: Sendable {
    public let capacity: Double
    private let refillPerMs: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let maxBuckets = 100_000

    struct Bucket {
        var tokens: Double
        var updatedMs: Int64
    }

    public init(perMinute: Int) {
        capacity = Double(perMinute)
        refillPerMs = Double(perMinute) / 60_000
    }

    /// Takes one token for `key`; returns nil when allowed, or the seconds until a token is available.
    public func acquire(_ key: String, nowMs: Int64) -> Int? {
        buckets.withLock { buckets in
            if buckets.count >= maxBuckets, buckets[key] == nil {
                // Drop full buckets (idle principals) so the table cannot grow without bound.
                buckets = buckets.filter { $0.value.tokens + Double(nowMs - $0.value.updatedMs) * refillPerMs < capacity }
            }
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updatedMs: nowMs)
            let elapsed = Double(max(0, nowMs - bucket.updatedMs))
            bucket.tokens = min(capacity, bucket.tokens + elapsed * refillPerMs)
            bucket.updatedMs = nowMs
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[key] = bucket
                return nil
            }
            buckets[key] = bucket
            let waitMs = (1 - bucket.tokens) / refillPerMs
            return max(1, Int((waitMs / 1000).rounded(.up)))
        }
    }
}
