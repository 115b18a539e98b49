import Synchronization

/// What the dashboard needs that the hub's counters do not keep: a window of recent sync
/// latencies (for percentiles), problems by kind, a sync-count series and recent rounds. All of
/// it is this process's view since start, bounded in size.
public final class DashboardSignals: Sendable {
    struct Sample: Sendable, Codable, Hashable {
        /// Unix ms.
        var t: Int64
        /// Cumulative syncs answered by this process.
        var syncs: Int64
    }

    struct State {
        var latencies: [Double] = []
        var nextLatency = 0
        var problems: [String: Int64] = [:]
        var samples: [Sample] = []
        var rounds: [RoundRecord] = []
    }

    static let latencyWindow = 2048
    static let sampleLimit = 180
    static let sampleSpacingMs: Int64 = 5000
    static let roundLimit = 60

    private let state = Mutex(State())

    public init() {}

    /// One answered sync's latency (ms); keeps the latest ``latencyWindow`` values.
    func recordLatency(_ ms: Double) {
        guard ms.isFinite, ms >= 0 else { return }
        state.withLock { state in
            if state.latencies.count < Self.latencyWindow {
                state.latencies.append(ms)
            } else {
                state.latencies[state.nextLatency] = ms
            }
            state.nextLatency = (state.nextLatency + 1) % Self.latencyWindow
        }
    }

    /// A request answered with a problem, by its slug (the set of slugs is fixed, so this stays small).
    func recordProblem(_ slug: String) {
        state.withLock { $0.problems[slug, default: 0] += 1 }
    }

    /// Adds a sync-count sample at most every ``sampleSpacingMs`` and remembers `round` if it is new.
    func observe(nowMs: Int64, syncs: Int64, round: RoundRecord?) {
        state.withLock { state in
            if let last = state.samples.last, nowMs - last.t < Self.sampleSpacingMs {
                // Too soon for a new point: keep the series evenly spaced.
            } else {
                state.samples.append(Sample(t: nowMs, syncs: syncs))
                if state.samples.count > Self.sampleLimit { state.samples.removeFirst(state.samples.count - Self.sampleLimit) }
            }
            if let round, round.ran, state.rounds.last?.round != round.round {
                state.rounds.append(round)
                if state.rounds.count > Self.roundLimit { state.rounds.removeFirst(state.rounds.count - Self.roundLimit) }
            }
        }
    }

    /// p50/p95/p99 of the latency window (nearest rank); nil when empty.
    var latencyPercentiles: (p50: Double, p95: Double, p99: Double, count: Int)? {
        let values = state.withLock { $0.latencies }.sorted()
        guard !values.isEmpty else { return nil }
        func rank(_ q: Double) -> Double {
            let index = Int((q * Double(values.count)).rounded(.up)) - 1
            return values[min(max(index, 0), values.count - 1)]
        }
        return (rank(0.50), rank(0.95), rank(0.99), values.count)
    }

    var problems: [String: Int64] { state.withLock { $0.problems } }
    var samples: [Sample] { state.withLock { $0.samples } }
    var rounds: [RoundRecord] { state.withLock { $0.rounds } }
}
