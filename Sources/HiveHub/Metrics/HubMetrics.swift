import Prometheus
import Synchronization

/// The hub's own metrics, registered on a Prometheus registry that `/metrics` renders. The
/// executable also bootstraps swift-metrics with the same registry so Hummingbird's request
/// metrics appear beside these.
public final class HubMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let syncRequests: Prometheus.Counter
    let envelopesAccepted: Prometheus.Counter
    let envelopesDuplicate: Prometheus.Counter
    let envelopesRejected: Prometheus.Counter
    let registrations: Prometheus.Counter
    let rounds: Prometheus.Counter
    let problems: Prometheus.Counter
    let bytesIn: Prometheus.Counter
    let bytesOut: Prometheus.Counter
    let roundDuration: Prometheus.Gauge
    private let totals = Mutex(Totals())

    struct Totals {
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        var syncs: Int64 = 0
        var syncFailures: Int64 = 0
        var syncLatencyMsTotal: Double = 0
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        syncRequests = registry.makeCounter(name: "hive_sync_requests_total", help: "POST /sync requests answered")
        envelopesAccepted = registry.makeCounter(
            name: "hive_envelopes_total", labels: [("result", "accepted")], help: "Pushed envelopes by result")
        envelopesDuplicate = registry.makeCounter(
            name: "hive_envelopes_total", labels: [("result", "duplicate")], help: "Pushed envelopes by result")
        envelopesRejected = registry.makeCounter(
            name: "hive_envelopes_total", labels: [("result", "rejected")], help: "Pushed envelopes by result")
        registrations = registry.makeCounter(name: "hive_twin_registrations_total", help: "Successful registrations")
        rounds = registry.makeCounter(name: "hive_aggregation_rounds_total", help: "Aggregation rounds run")
        problems = registry.makeCounter(name: "hive_problems_total", help: "Requests answered with a problem")
        bytesIn = registry.makeCounter(name: "hive_sync_bytes_in_total", help: "Envelope payload bytes received")
        bytesOut = registry.makeCounter(name: "hive_sync_bytes_out_total", help: "Response body bytes of sync pulls")
        roundDuration = registry.makeGauge(name: "hive_aggregation_last_round_ms", help: "Duration of the last round")
    }

    func recordSync(bytesIn: Int, bytesOut: Int, latencyMs: Double) {
        syncRequests.increment()
        self.bytesIn.increment(by: Int64(bytesIn))
        self.bytesOut.increment(by: Int64(bytesOut))
        totals.withLock {
            $0.bytesIn += Int64(bytesIn)
            $0.bytesOut += Int64(bytesOut)
            $0.syncs += 1
            $0.syncLatencyMsTotal += latencyMs
        }
    }

    /// A sync request answered with a problem (auth, decoding, storage).
    func recordSyncFailure() {
        syncRequests.increment()
        totals.withLock {
            $0.syncs += 1
            $0.syncFailures += 1
        }
    }

    /// This process's sync totals (bytes, success rate, mean latency).
    var snapshot: Totals { totals.withLock { $0 } }

    /// Prometheus text exposition.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
