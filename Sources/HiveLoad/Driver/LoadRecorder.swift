import Histogram
import Synchronization

/// Latencies (µs, HdrHistogram, 3 significant digits) and outcome counts of a run, overall and
/// per operation, plus a window histogram reset at each progress line.
public final class LoadRecorder: Sendable {
    struct State {
        var all = LoadRecorder.histogram()
        var window = LoadRecorder.histogram()
        var byOperation: [String: Histogram<UInt64>] = [:]
        var ok = 0
        var windowOK = 0
        var errors: [String: Int] = [:]
        var sent = 0
    }

    private let state = Mutex(State())

    public init() {}

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }

    func sent() { state.withLock { $0.sent += 1 } }

    /// A successful request of `operation` that took `micros` from its intended send time.
    public func success(_ operation: String, micros: UInt64) {
        let value = max(1, min(micros, 600_000_000))
        state.withLock { state in
            _ = state.all.record(value)
            _ = state.window.record(value)
            state.byOperation[operation, default: LoadRecorder.histogram()].record(value)
            state.ok += 1
            state.windowOK += 1
        }
    }

    /// A failed request, by kind (`http-503`, `connect`, `timeout`, `rejected`, `client-backlog`, …).
    public func failure(_ kind: String) {
        state.withLock { $0.errors[kind, default: 0] += 1 }
    }

    /// Successes and p95 (ms) since the last call, then resets the window.
    func takeWindow() -> (ok: Int, p95Ms: Double) {
        state.withLock { state in
            let result = (state.windowOK, state.windowOK > 0 ? Double(state.window.valueAtPercentile(95)) / 1000 : 0)
            state.window.reset()
            state.windowOK = 0
            return result
        }
    }

    /// Totals so far.
    func totals() -> (sent: Int, ok: Int, errors: Int) {
        state.withLock { ($0.sent, $0.ok, $0.errors.values.reduce(0, +)) }
    }

    /// The run's latency summary and counts.
    func summary() -> (latency: LoadReport.Latency?, byOperation: [String: LoadReport.Latency], ok: Int, sent: Int, errors: [String: Int]) {
        state.withLock { state in
            (
                LoadReport.Latency(state.all), state.byOperation.compactMapValues { LoadReport.Latency($0) }, state.ok, state.sent,
                state.errors
            )
        }
    }
}
