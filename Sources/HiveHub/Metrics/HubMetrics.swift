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
    let distributionLatency: Prometheus.Gauge
    private let totals = Mutex(Totals())
    /// Latency window, problems by kind and series for the dashboard (issue 14).
    public let dashboard = DashboardSignals()

    struct Totals {
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        var syncs: Int64 = 0
        var syncFailures: Int64 = 0
        var syncLatencyMsTotal: Double = 0
        /// Consolidated items (patterns, model versions, skills) delivered to twins by sync pulls,
        /// and the sum of their publish → delivery delays.
        var distributed: Int64 = 0
        var distributionLatencyMsTotal: Double = 0
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        syncRequests = registry.makeCounter(descriptor: Self.name("sync_requests", "total", "POST /sync requests answered"))
        envelopesAccepted = registry.makeCounter(descriptor: Self.name("envelopes", "total", "Pushed envelopes by result"), labels: [("result", "accepted")])
        envelopesDuplicate = registry.makeCounter(descriptor: Self.name("envelopes", "total", "Pushed envelopes by result"), labels: [("result", "duplicate")])
        envelopesRejected = registry.makeCounter(descriptor: Self.name("envelopes", "total", "Pushed envelopes by result"), labels: [("result", "rejected")])
        registrations = registry.makeCounter(descriptor: Self.name("twin_registrations", "total", "Successful registrations"))
        rounds = registry.makeCounter(descriptor: Self.name("aggregation_rounds", "total", "Aggregation rounds run"))
        problems = registry.makeCounter(descriptor: Self.name("problems", "total", "Requests answered with a problem"))
        bytesIn = registry.makeCounter(descriptor: Self.name("sync_bytes_in", "total", "Envelope payload bytes received"))
        bytesOut = registry.makeCounter(descriptor: Self.name("sync_bytes_out", "total", "Response body bytes of sync pulls"))
        roundDuration = registry.makeGauge(descriptor: Self.name("aggregation_last_round", "ms", "Duration of the last round"))
        distributionLatency = registry.makeGauge(
            descriptor: Self.name("distribution_latency_last", "ms", "Publish-to-delivery delay of the last consolidated item a pull delivered"))
    }

    /// Items a pull delivered, each `latenciesMs` after it was published (or after the twin
    /// registered, for items older than the twin).
    func recordDistribution(_ latenciesMs: [Int64]) {
        guard let last = latenciesMs.last else { return }
        distributionLatency.set(Double(last))
        totals.withLock {
            $0.distributed += Int64(latenciesMs.count)
            $0.distributionLatencyMsTotal += latenciesMs.reduce(0.0) { $0 + Double(max(0, $1)) }
        }
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hive", metricName: metric, unitName: unit, helpText: help)
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
        dashboard.recordLatency(latencyMs)
    }

    /// A sync request answered with a problem (auth, decoding, storage).
    func recordSyncFailure() {
        syncRequests.increment()
        totals.withLock {
            $0.syncs += 1
            $0.syncFailures += 1
        }
    }

    /// Sets `hive_postgres_ingest_batches_total{path, reason}` from the PostgreSQL store's tally
    /// (called when `/metrics` is rendered): batches written in one statement (`one_statement`,
    /// `written`) and batches written the long way, by why (`long`, `twins` … `backoff`).
    func recordIngestBatches(_ tally: PostgresIngestFastPath.Tally) {
        let descriptor = Self.name(
            "postgres_ingest_batches", "total", "Ingest batches on PostgreSQL by path: one statement, or the long way and why")
        registry.makeGauge(descriptor: descriptor, labels: [("path", "one_statement"), ("reason", "written")]).set(Double(tally.written))
        for (reason, count) in tally.missed.sorted(by: { $0.key < $1.key }) {
            registry.makeGauge(descriptor: descriptor, labels: [("path", "long"), ("reason", reason)]).set(Double(count))
        }
    }

    /// This process's sync totals (bytes, success rate, mean latency).
    var snapshot: Totals { totals.withLock { $0 } }

    /// Prometheus text exposition.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
