import ArgumentParser
import AsyncHTTPClient
import Foundation
import HiveCore
import HiveHub
import HiveTwin
import Histogram
import Logging
import NIOCore
import Synchronization

/// `hive bench sync`: N concurrent twins against one in-process hub on loopback (SQLite, HTTP/1.1).
/// Each round a twin queues fresh signed patterns and runs one full Omega Sync round (the first
/// registers: challenge → register; then pull with the folded ledger check → push with ledger
/// receipts and the pull, all verified against the pinned hub key); the round-trip
/// latency of every round goes into an HdrHistogram. Checks: the hub counted every envelope
/// exactly once and every outbox drained. The target (p95 < 50 ms) comes from the design; there
/// is no external anchor for this protocol.
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Sync round-trip latency, N concurrent twins against one hub (HdrHistogram p50/p95/p99).")

    @OptionGroup var options: BenchOptions

    @Option(help: "Concurrent twins (default 100; 20 with --quick).") var twins: Int?
    @Option(help: "Sync rounds per twin (default 10; 3 with --quick).") var rounds: Int?
    @Option(help: "Patterns each twin queues per round.") var perRound = 5
    @Option(
        help:
            "Open loop: each twin starts a sync every this many ms (random phase); latency counts from the scheduled start, so a hub falling behind shows. Default: closed loop (back to back)."
    )
    var intervalMs: Int?

    func run() async throws {
        let twinCount = twins ?? (options.quick ? 20 : 100)
        let roundCount = rounds ?? (options.quick ? 3 : 10)
        guard twinCount > 0, roundCount > 0, perRound > 0, perRound <= 512 else {
            throw ValidationError("--twins, --rounds must be > 0 and --per-round in 1…512")
        }
        if let intervalMs, !(1...3_600_000).contains(intervalMs) { throw ValidationError("--interval-ms must be in 1…3600000") }
        let workdir = NSTemporaryDirectory() + "hive-bench-sync-\(getpid())"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workdir) }
        var report = BenchReport(
            bench: "sync",
            params: [
                "twins": "\(twinCount)", "rounds": "\(roundCount)", "per_round": "\(perRound)", "storage": "sqlite",
                "transport": "http/1.1 loopback", "quick": "\(options.quick)",
                "mode": intervalMs.map { "open loop, every \($0) ms per twin" } ?? "closed loop",
            ])
        print("bench sync  " + report.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))

        var configuration = HubConfiguration()
        configuration.port = 0
        configuration.dataDirectory = workdir + "/hub"
        configuration.rateLimitPerMinute = 1_000_000
        configuration.aggregationIntervalMs = 0
        var logger = Logger(label: "bench-hub")
        logger.logLevel = .error
        let (server, _) = try HubServer.make(configuration: configuration, engine: nil, logger: logger)
        try await server.prepare()
        let shared = SyncBenchState()
        let application = try server.makeApplication(onServerRunning: { channel in shared.port.withLock { $0 = channel.localAddress?.port } })

        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = twinCount + 8
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let perRound = perRound
        let intervalMs = intervalMs
        let result: (p50: Double, p95: Double, p99: Double, count: UInt64, wrong: Int, cpuSeconds: Double, wallSeconds: Double) =
            try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            defer { group.cancelAll() }
            var bound: Int?
            for _ in 0..<1000 {
                bound = shared.port.withLock { $0 }
                if bound != nil { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            guard let bound else { throw HiveError(.unavailable, "the hub did not start") }
            let url = "http://127.0.0.1:\(bound)"
            let transport = try HTTPSyncTransport(baseURL: url, client: http)
            let hubKey = try await SyncClient.fetchHubKey(transport: transport)
            var clients: [(TwinStore, SyncClient)] = []
            for index in 0..<twinCount {
                var storeConfiguration = TwinStoreConfiguration()
                storeConfiguration.durability = .normal
                let store = try TwinStore(
                    path: "\(workdir)/twin-\(index).sqlite", identity: .generate(), userID: "bench-\(index)", configuration: storeConfiguration)
                try SyncState.pin(hubKeyHex: hubKey, hubURL: url, in: store)
                clients.append((store, try SyncClient(store: store, transport: transport, configuration: .init(userID: "bench-\(index)"))))
            }
            let total = twinCount * roundCount
            let cpuBefore = Self.cpuSeconds()
            let wallStart = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { twinsGroup in
                for (store, client) in clients {
                    twinsGroup.addTask {
                        let outbox = OfflineEnvelopeStore(store: store)
                        let phase = Duration.milliseconds(Int.random(in: 0..<max(1, intervalMs ?? 1)))
                        for round in 0..<roundCount {
                            var scheduled: ContinuousClock.Instant?
                            if let intervalMs {
                                let due = wallStart + phase + .milliseconds(intervalMs * round)
                                try await Task.sleep(until: due, clock: .continuous)
                                scheduled = due
                            }
                            try store.write { db in
                                for i in 0..<perRound {
                                    let stamp = store.clock.now()
                                    let pattern = try Pattern(
                                        id: "\(store.twinID)-\(round)-\(i)", taskType: .preference, approach: "bench pattern \(round) \(i)",
                                        tags: ["bench"], alpha: 3, beta: 1, stamp: stamp)
                                    try outbox.enqueue(try SignedEnvelope.sign(pattern, kind: .pattern, stamp: stamp, identity: store.identity), in: db)
                                }
                            }
                            // Open loop: from the scheduled start (a late start is latency the twin sees).
                            let start = scheduled ?? ContinuousClock.now
                            let sync = try await client.sync()
                            let elapsed = ContinuousClock.now - start
                            // Every accepted envelope's ledger receipt must have verified (inclusion + consistency).
                            if sync.accepted != perRound || sync.pendingAfter != 0 || sync.receiptsVerified != perRound {
                                shared.failures.withLock { $0 += 1 }
                            }
                            let micros = UInt64(max(1, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
                            shared.histogram.withLock { _ = $0.record(micros) }
                            let done = shared.progress.withLock { value -> Int in
                                value += 1
                                return value
                            }
                            if done % max(1, total / 20) == 0 { print("  \(done)/\(total) syncs", terminator: "\r") }
                        }
                    }
                }
                try await twinsGroup.waitForAll()
            }
            let cpuSeconds = Self.cpuSeconds() - cpuBefore
            let wall = ContinuousClock.now - wallStart
            let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            print("")
            var wrong = shared.failures.withLock { $0 }
            let counts = try await server.core.store.counts(nowMs: server.core.nowMs, activeWindowMs: 60_000)
            if counts.patternsReceived != Int64(twinCount * roundCount * perRound) { wrong += 1 }
            return shared.histogram.withLock { histogram in
                func ms(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1000 }
                return (ms(50), ms(95), ms(99), histogram.totalCount, wrong, cpuSeconds, wallSeconds)
            }
        }
        try await http.shutdown()
        let wrong = result.wrong
        report.add(BenchMetric("sync_round_trip_p50", result.p50, unit: "ms", lowerIsBetter: true))
        report.add(BenchMetric("sync_round_trip_p95", result.p95, unit: "ms", target: 50, lowerIsBetter: true))
        report.add(BenchMetric("sync_round_trip_p99", result.p99, unit: "ms", lowerIsBetter: true))
        report.add(BenchMetric("syncs", Double(result.count), unit: "rounds"))
        // Hub and twins share this process: CPU time (user + system) over the timed section, per sync.
        let perSync = result.count > 0 ? result.cpuSeconds * 1000 / Double(result.count) : 0
        report.add(BenchMetric("cpu_per_sync_hub_and_twin", perSync, unit: "ms", lowerIsBetter: true))
        report.add(BenchMetric("throughput", result.wallSeconds > 0 ? Double(result.count) / result.wallSeconds : 0, unit: "syncs/s"))
        report.printTable()
        if let path = options.json { try report.write(to: path) }
        guard wrong == 0 else {
            throw HiveError(.inconsistent, "\(wrong) sync rounds did not deliver every envelope exactly once")
        }
    }
}

extension SyncBench {
    /// User + system CPU seconds this process has used.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// State the benchmark's tasks share: the bound port, the latency histogram and counters.
final class SyncBenchState: Sendable {
    let port = Mutex<Int?>(nil)
    let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))
    let failures = Mutex(0)
    let progress = Mutex(0)
}
