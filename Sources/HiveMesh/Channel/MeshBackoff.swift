/// Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"):
/// the n-th retry waits a uniform random time in `[0, min(cap, base · 2ⁿ)]`, so many nodes that
/// lost the same peer do not reconnect in lockstep.
public struct MeshBackoff: Sendable, Hashable {
    /// First ceiling, in ms.
    public var baseMs: UInt64
    /// Largest ceiling, in ms.
    public var capMs: UInt64

    public init(baseMs: UInt64 = 100, capMs: UInt64 = 5_000) {
        self.baseMs = max(1, baseMs)
        self.capMs = max(self.baseMs, capMs)
    }

    /// The ceiling for retry `attempt` (0-based).
    public func ceilingMs(attempt: Int) -> UInt64 {
        let shift = min(max(0, attempt), 32)
        let (scaled, overflow) = baseMs.multipliedReportingOverflow(by: UInt64(1) << UInt64(shift))
        return overflow ? capMs : min(capMs, scaled)
    }

    /// A random delay for retry `attempt`.
    public func delayMs<G: RandomNumberGenerator>(attempt: Int, using generator: inout G) -> UInt64 {
        UInt64.random(in: 0...ceilingMs(attempt: attempt), using: &generator)
    }

    /// A random delay for retry `attempt` from the system generator.
    public func delayMs(attempt: Int) -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return delayMs(attempt: attempt, using: &generator)
    }
}
