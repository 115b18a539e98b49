import Foundation
import Histogram

/// What `hive loadtest` measured, printed as a table and written with `--json`.
public struct LoadReport: Sendable, Codable {
    /// Latency percentiles in ms, measured from each request's intended send time.
    public struct Latency: Sendable, Codable {
        public var count: UInt64
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var max: Double

        init?(_ histogram: Histogram<UInt64>) {
            guard histogram.totalCount > 0 else { return nil }
            count = histogram.totalCount
            p50 = Double(histogram.valueAtPercentile(50)) / 1000
            p95 = Double(histogram.valueAtPercentile(95)) / 1000
            p99 = Double(histogram.valueAtPercentile(99)) / 1000
            max = Double(histogram.max) / 1000
        }
    }

    /// One progress line.
    public struct Interval: Sendable, Codable {
        public var elapsedSeconds: Double
        public var throughput: Double
        public var p95Ms: Double
        public var hubRSSMB: Double?
        public var hubCPUPercent: Double?
    }

    public var url: String
    public var plan: LoadPlan
    public var twins: Int
    public var sent: Int
    public var ok: Int
    public var errors: [String: Int]
    public var elapsedSeconds: Double
    /// Successful requests per second over the run.
    public var throughput: Double
    public var latency: Latency?
    public var byOperation: [String: Latency]
    public var acknowledgedEnvelopes: Int
    public var intervals: [Interval]
    public var hubPeakRSSMB: Double?
    public var hubMeanCPUPercent: Double?
    /// CPU seconds (user + system) the hub used during the run, from /proc.
    public var hubCPUSeconds: Double?
    /// CPU seconds this load generator used during the run (getrusage): it shares the machine.
    public var generatorCPUSeconds: Double?

    /// Hub CPU milliseconds per successful request: what the machine pays per sync, whatever the
    /// wall-clock throughput a shared, busy machine allowed.
    public var hubCPUMsPerRequest: Double? {
        guard let hubCPUSeconds, ok > 0 else { return nil }
        return hubCPUSeconds * 1000 / Double(ok)
    }

    public var errorCount: Int { errors.values.reduce(0, +) }

    /// A human-readable summary.
    public func render() -> String {
        func f(_ v: Double) -> String { String(format: v >= 100 ? "%.0f" : "%.2f", v) }
        var lines: [String] = []
        lines.append("target \(plan.target.rawValue) \(url)  twins=\(twins) rate=\(plan.rate == 0 ? "closed-loop" : f(plan.rate) + "/s") duration=\(f(plan.durationSeconds))s connections=\(plan.connections) mix=\(plan.mix)")
        lines.append("sent \(sent)  ok \(ok)  errors \(errorCount)  elapsed \(f(elapsedSeconds)) s  throughput \(f(throughput)) req/s  acknowledged envelopes \(acknowledgedEnvelopes)")
        if let latency {
            lines.append("latency ms (from intended send)  p50 \(f(latency.p50))  p95 \(f(latency.p95))  p99 \(f(latency.p99))  max \(f(latency.max))")
        }
        for (operation, latency) in byOperation.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(operation.padding(toLength: 16, withPad: " ", startingAt: 0)) n=\(latency.count)  p50 \(f(latency.p50))  p95 \(f(latency.p95))  p99 \(f(latency.p99))  max \(f(latency.max))")
        }
        for (kind, count) in errors.sorted(by: { $0.key < $1.key }) { lines.append("  error \(kind): \(count)") }
        if let hubPeakRSSMB { lines.append("hub peak RSS \(f(hubPeakRSSMB)) MB  mean CPU \(hubMeanCPUPercent.map { f($0) + " %" } ?? "-")") }
        if let hubCPUSeconds {
            lines.append("hub CPU \(f(hubCPUSeconds)) s = \(hubCPUMsPerRequest.map { String(format: "%.3f", $0) } ?? "-") ms per ok request")
        }
        if let generatorCPUSeconds {
            lines.append("load generator CPU \(f(generatorCPUSeconds)) s = \(ok > 0 ? String(format: "%.3f", generatorCPUSeconds * 1000 / Double(ok)) : "-") ms per ok request")
        }
        return lines.joined(separator: "\n")
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}
