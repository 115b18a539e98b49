import Synchronization

/// Per-principal token buckets (a twin, the admin, or a remote address): `capacity` requests,
/// refilled continuously at `capacity` per minute. In-process: with several replicas each
/// enforces its own share.
public final class RateLimiter: Sendable {
    public let capacity: Double
    private let refillPerMs: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    /// The most principals tracked at once.
    public let maxBuckets: Int

    struct Bucket {
        var tokens: Double
        var updatedMs: Int64
    }

    public init(perMinute: Int, maxBuckets: Int = 250_000) {
        capacity = Double(perMinute)
        refillPerMs = Double(perMinute) / 60_000
        self.maxBuckets = max(4, maxBuckets)
    }

    /// Takes one token for `key`; returns nil when allowed, or the seconds until a token is available.
    public func acquire(_ key: String, nowMs: Int64) -> Int? {
        buckets.withLock { buckets in
            if buckets.count >= maxBuckets, buckets[key] == nil {
                buckets = pruned(buckets, nowMs: nowMs)
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

    /// How many principals are tracked.
    public var count: Int { buckets.withLock { $0.count } }

    /// The table cut to at most three quarters of `maxBuckets`, so the next cut is a quarter of the
    /// table's new keys away and its cost spreads over them. Full buckets go first: an idle principal's
    /// full bucket is the same as none. If more must go (more principals active than the table holds),
    /// those closest to full go next; each can then spend at most the few tokens it had used again.
    /// The first version dropped only full buckets, and with more active principals than the table
    /// held it rescanned the whole table on every new key.
    func pruned(_ buckets: [String: Bucket], nowMs: Int64) -> [String: Bucket] {
        var partial: [(key: String, bucket: Bucket, level: Double)] = []
        partial.reserveCapacity(buckets.count)
        for (key, bucket) in buckets {
            let level = bucket.tokens + Double(max(0, nowMs - bucket.updatedMs)) * refillPerMs
            if level < capacity { partial.append((key, bucket, level)) }
        }
        let keep = maxBuckets * 3 / 4
        if partial.count > keep {
            partial.sort { $0.level < $1.level }
            partial.removeLast(partial.count - keep)
        }
        return Dictionary(uniqueKeysWithValues: partial.map { ($0.key, $0.bucket) })
    }
}
