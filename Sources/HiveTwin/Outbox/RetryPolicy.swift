/// When a failed delivery is retried: full-jitter exponential backoff
/// (delay = random in [0, min(cap, base · 2^(attempts − 1))]), and dead-lettering after
/// ``maxAttempts`` failures.
public struct RetryPolicy: Sendable {
    /// Backoff base, ms.
    public var baseMs: UInt64
    /// Backoff cap, ms.
    public var capMs: UInt64
    /// Failed attempts after which an envelope is dead-lettered.
    public var maxAttempts: Int
    /// Uniform random integer in `0...upper` (injectable so tests can pin the jitter).
    public var random: @Sendable (UInt64) -> UInt64

    public init(
        baseMs: UInt64 = 500, capMs: UInt64 = 5 * 60 * 1000, maxAttempts: Int = 10,
        random: @escaping @Sendable (UInt64) -> UInt64 = { UInt64.random(in: 0...$0) }
    ) {
        self.baseMs = baseMs
        self.capMs = capMs
        self.maxAttempts = max(1, maxAttempts)
        self.random = random
    }

    /// The backoff ceiling after `attempts` failures: min(cap, base · 2^(attempts − 1)).
    public func ceiling(afterAttempts attempts: Int) -> UInt64 {
        let shift = UInt64(max(0, min(attempts - 1, 62)))
        let (scaled, overflow) = baseMs.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? capMs : min(capMs, scaled)
    }

    /// A jittered delay after `attempts` failures.
    public func delay(afterAttempts attempts: Int) -> UInt64 {
        random(ceiling(afterAttempts: attempts))
    }
}
