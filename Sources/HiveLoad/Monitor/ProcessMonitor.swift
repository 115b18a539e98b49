import Foundation
import Synchronization

/// Samples the target process's RSS and CPU from /proc. The process is named by pid or found
/// by the port it listens on (looked up again when it disappears, e.g. after a chaos restart).
public final class ProcessMonitor: Sendable {
    let fixedPID: Int32?
    let port: Int?
    private let state = Mutex<State>(State())

    struct State {
        var pid: Int32?
        var lastTicks: Int64?
        var lastAt: ContinuousClock.Instant?
        var samples: [ProcessSample] = []
        /// CPU seconds used by the target between samples (summed over restarts).
        var cpuSeconds: Double = 0
    }

    public init(pid: Int32?, port: Int?) {
        fixedPID = pid
        self.port = port
    }

    /// Takes one sample (nil when no process can be found).
    @discardableResult
    public func sample(elapsedSeconds: Double) -> ProcessSample? {
        let now = ContinuousClock.now
        var pid = state.withLock { $0.pid } ?? fixedPID
        var reading = pid.flatMap(ProcStat.read)
        if reading == nil, fixedPID == nil, let port {
            pid = ProcStat.pidListening(onPort: port)
            reading = pid.flatMap(ProcStat.read)
        }
        guard let pid, let reading else {
            state.withLock { $0.pid = nil; $0.lastTicks = nil }
            return nil
        }
        return state.withLock { state in
            var cpu: Double?
            if state.pid == pid, let lastTicks = state.lastTicks, let lastAt = state.lastAt {
                let seconds = Double((now - lastAt).components.attoseconds) / 1e18 + Double((now - lastAt).components.seconds)
                if seconds > 0 { cpu = Double(reading.cpuTicks - lastTicks) / ProcStat.ticksPerSecond / seconds * 100 }
                state.cpuSeconds += Double(reading.cpuTicks - lastTicks) / ProcStat.ticksPerSecond
            }
            state.pid = pid
            state.lastTicks = reading.cpuTicks
            state.lastAt = now
            let sample = ProcessSample(elapsedSeconds: elapsedSeconds, pid: pid, rssBytes: reading.rssBytes, cpuPercent: cpu)
            state.samples.append(sample)
            return sample
        }
    }

    public var samples: [ProcessSample] { state.withLock { $0.samples } }

    /// CPU seconds (user + system) the target used between the first and the last sample.
    public var cpuSeconds: Double { state.withLock { $0.cpuSeconds } }
}
