import ArgumentParser
import Foundation
import HiveCore
import HiveLoad

/// `hive bench federation`: the skills workload (publish a signed federation_trace_v1, search by
/// intent, alternately) against a Hive hub (`hive serve`, SQLite, child process) and against the
/// design's FastAPI federation server (scripts/anchors/federation_server.py under uvicorn, child
/// process), same load generator, same twins, closed loop over the same number of connections.
/// Prints both throughputs and p95s and the ratios. Any failed request is a wrong answer (exit 1).
struct FederationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation", abstract: "Skills workload: Hive hub vs the design's FastAPI federation server (throughput, p95).")

    @OptionGroup var options: BenchOptions
    @Option(help: "Twins (default 500; 100 with --quick).") var twins: Int?
    @Option(help: "Seconds measured per server (default 20; 5 with --quick).") var duration: Double?
    @Option(help: "Connections (closed loop: each sends its next request when the last answers).") var connections = 16
    @Option(help: "Python interpreter with fastapi and uvicorn (scripts/anchors/requirements.txt).") var python = "python3"
    @Option(help: "PostgreSQL URL for the hub (default: SQLite in a temporary directory).") var database: String?

    func run() async throws {
        let twinCount = twins ?? (options.quick ? 100 : 500)
        let seconds = duration ?? (options.quick ? 5 : 20)
        guard twinCount > 0, seconds > 0, connections > 0 else { throw ValidationError("--twins, --duration, --connections must be > 0") }
        let workdir = NSTemporaryDirectory() + "hive-bench-federation-\(getpid())"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workdir) }
        var report = BenchReport(
            bench: "federation",
            params: [
                "twins": "\(twinCount)", "seconds": "\(seconds)", "connections": "\(connections)", "workload": "skills publish/search 1:1",
                "hub_storage": database == nil ? "sqlite" : "postgresql", "quick": "\(options.quick)",
            ])
        print("bench federation  " + report.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))

        let hubPort = try Self.freePort()
        let anchorPort = try Self.freePort()
        let config = "{\"port\": \(hubPort), \"dataDirectory\": \"\(workdir)/hub\", \"rateLimitPerMinute\": 1000000000, \"aggregationIntervalMs\": 0}"
        try Data(config.utf8).write(to: URL(fileURLWithPath: workdir + "/hub.json"))
        var serveArguments = ["serve", "--config", workdir + "/hub.json", "--log-level", "warning"]
        if let database { serveArguments += ["--database", database] }
        let hub = try Self.spawn(Self.executablePath(), serveArguments, log: workdir + "/hub.log")
        defer { Self.stop(hub) }
        let anchor = try Self.spawn(
            "/usr/bin/env", [python, Self.anchorScript(), "--port", "\(anchorPort)"], log: workdir + "/anchor.log")
        defer { Self.stop(anchor) }

        let hubURL = "http://127.0.0.1:\(hubPort)"
        let anchorURL = "http://127.0.0.1:\(anchorPort)"
        try await Self.waitReady(hubURL + "/readyz", process: hub, log: workdir + "/hub.log")
        try await Self.waitReady(anchorURL + "/healthz", process: anchor, log: workdir + "/anchor.log")

        let ours = try await measure(.hive, url: hubURL, pid: hub.processIdentifier, twins: twinCount, seconds: seconds, cache: workdir)
        let theirs = try await measure(.fastapi, url: anchorURL, pid: anchor.processIdentifier, twins: twinCount, seconds: seconds, cache: workdir)

        let anchorName = "FastAPI federation server"
        report.add(BenchMetric("skills_throughput", ours.throughput, unit: "req/s", anchor: anchorName, anchorValue: theirs.throughput, target: 20))
        report.add(
            BenchMetric("skills_p95", ours.latency?.p95 ?? 0, unit: "ms", anchor: anchorName, anchorValue: theirs.latency?.p95, target: 1, lowerIsBetter: true))
        for name in ["skills-publish", "skills-search"] {
            if let mine = ours.byOperation[name] {
                report.add(BenchMetric(name + "_p95", mine.p95, unit: "ms", anchor: anchorName, anchorValue: theirs.byOperation[name]?.p95, lowerIsBetter: true))
            }
        }
        // Per CPU-second figures hold up on a shared machine, where wall-clock throughput is whatever CPU was left.
        if let mine = ours.hubCPUMsPerRequest, let anchor = theirs.hubCPUMsPerRequest {
            report.add(BenchMetric("server_cpu_ms_per_request", mine, unit: "ms", anchor: anchorName, anchorValue: anchor, lowerIsBetter: true))
        }
        report.add(BenchMetric("hub_cpu_mean", ours.hubMeanCPUPercent ?? 0, unit: "%"))
        report.add(BenchMetric("anchor_cpu_mean", theirs.hubMeanCPUPercent ?? 0, unit: "%"))
        report.add(BenchMetric("hub_peak_rss", ours.hubPeakRSSMB ?? 0, unit: "MB"))
        report.printTable()
        if let path = options.json { try report.write(to: path) }
        guard ours.errorCount == 0, theirs.errorCount == 0, ours.ok > 0, theirs.ok > 0 else {
            throw HiveError(.inconsistent, "requests failed: hive \(ours.errors), fastapi \(theirs.errors)")
        }
    }

    func measure(_ target: LoadTarget, url: String, pid: Int32, twins: Int, seconds: Double, cache: String) async throws -> LoadReport {
        let (sessions, _) = try await LoadSetup.prepare(
            twins: twins, cacheDirectory: cache, hub: url, target: target, connections: connections, registerConcurrency: 16,
            validForSeconds: seconds + 120)
        let http = LoadHTTP(baseURL: url, connections: connections)
        let plan = LoadPlan(target: target, rate: 0, durationSeconds: seconds, connections: connections, mix: .skillsOnly, sampleSeconds: 5)
        print("\(target.rawValue) at \(url): closed loop, \(connections) connections, \(seconds) s")
        let report = await LoadDriver(http: http, sessions: sessions, plan: plan, monitor: ProcessMonitor(pid: pid, port: nil)).run()
        try await http.shutdown()
        print(report.render())
        return report
    }

    // MARK: Child processes

    static func spawn(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// SIGTERM, up to `grace` for the child to exit, then SIGKILL. Polls `isRunning` with sleeps:
    /// `waitUntilExit` spins a run loop at 100 % CPU and never returns when the child ignores
    /// SIGTERM — and children spawned from a Swift concurrency thread inherit a signal mask with
    /// SIGTERM blocked (dispatch worker threads block signals and `posix_spawn` keeps the mask),
    /// so a child that does not unblock it (uvicorn) never sees the signal.
    static func stop(_ process: Process, grace: Duration = .seconds(5)) {
        guard process.isRunning else { return }
        process.terminate()
        if waitExit(process, within: grace) { return }
        kill(process.processIdentifier, SIGKILL)
        if !waitExit(process, within: .seconds(5)) {
            FileHandle.standardError.write(Data("warning: child \(process.processIdentifier) survived SIGKILL for 5 s\n".utf8))
        }
    }

    /// Whether `process` exited within `limit` (checked every 20 ms).
    static func waitExit(_ process: Process, within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    static func waitReady(_ url: String, process: Process, log: String) async throws {
        let http = LoadHTTP(baseURL: url, connections: 1, timeout: .seconds(2))
        defer { Task { try? await http.shutdown() } }
        for _ in 0..<600 {
            guard process.isRunning else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw HiveError(.unavailable, "\(url) exited at start-up (pip install -r scripts/anchors/requirements.txt?): \(text.suffix(600))")
            }
            if let reply = try? await http.send(.GET, ""), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HiveError(.unavailable, "\(url) did not become ready in 60 s")
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HiveError(.io, "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw HiveError(.io, "cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// scripts/anchors/federation_server.py from the working directory, else relative to this source file.
    static func anchorScript() -> String {
        let relative = "scripts/anchors/federation_server.py"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(relative).path
    }
}
