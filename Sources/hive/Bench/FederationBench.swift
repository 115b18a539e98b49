import ArgumentParser
import Foundation
import HiveCore
import HiveLoad

/// `hive bench federation`: the skills workload (publish a signed federation_trace_v1, search by
/// intent, alternately) against a Hive hub (`hive serve`, SQLite, child process) and against the
/// design's FastAPI federation server (scripts/anchors/federation_server.py under uvicorn, child
/// process), same load generator, same twins, closed loop over the same number of connections.
///
/// Per library size N (`--library`), each server starts fresh and is pre-loaded with the same N
/// traces through its own API (``LibraryLoader``) before the timed phase; the hub runs once per
/// ranker (`--skill-search`: semantic = MiniLM + HNSW, lexical = word sets + inverted index, the
/// like-for-like with the anchor's word-set similarity). Every search's answer is checked against
/// the pre-loaded traces it must contain, and after each phase a freshly published trace must be
/// found by its intent; any failed request or wrong answer exits 1. Prints throughput, p95 and
/// server CPU per request at every size, and the ratios.
struct FederationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation", abstract: "Skills workload: Hive hub vs the design's FastAPI federation server (throughput, p95).")

    @OptionGroup var options: BenchOptions
    @Option(help: "Twins (default 200; 50 with --quick).") var twins: Int?
    @Option(help: "Seconds measured per server and size (default 10; 4 with --quick).") var duration: Double?
    @Option(help: "Connections (closed loop: each sends its next request when the last answers).") var connections = 16
    @Option(help: "Library sizes, comma separated: traces each server holds before the timed phase (default 0,10000,50000; 0,1000 with --quick).")
    var library: String?
    @Option(help: "Distinct intents in the library and the timed phase (default 2000; 200 with --quick).") var intents: Int?
    @Option(name: .customLong("skill-search"), help: "Hub rankers to measure, comma separated: semantic, lexical (default both).")
    var skillSearch = "semantic,lexical"
    @Option(help: "Python interpreter with fastapi and uvicorn (scripts/anchors/requirements.txt).") var python = "python3"
    @Option(help: "PostgreSQL URL for the hub (default: SQLite in a temporary directory).") var database: String?

    func run() async throws {
        let twinCount = twins ?? (options.quick ? 50 : 200)
        let seconds = duration ?? (options.quick ? 4 : 10)
        let intentCount = intents ?? (options.quick ? 200 : 2000)
        let sizeText = library ?? (options.quick ? "0,1000" : "0,10000,50000")
        let sizes = sizeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let rankers = skillSearch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard twinCount > 0, seconds > 0, connections > 0, intentCount > 0 else {
            throw ValidationError("--twins, --duration, --connections, --intents must be > 0")
        }
        guard !sizes.isEmpty, sizes.count == sizeText.split(separator: ",").count, sizes.allSatisfy({ (0...1_000_000).contains($0) }) else {
            throw ValidationError("--library must list sizes in 0…1000000, got \(sizeText.prefix(80))")
        }
        guard !rankers.isEmpty, rankers.allSatisfy({ ["semantic", "lexical"].contains($0) }) else {
            throw ValidationError("--skill-search must list semantic and/or lexical")
        }
        let workdir = NSTemporaryDirectory() + "hive-bench-federation-\(getpid())"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workdir) }
        var report = BenchReport(
            bench: "federation",
            params: [
                "twins": "\(twinCount)", "seconds": "\(seconds)", "connections": "\(connections)", "workload": "skills publish/search 1:1",
                "hub_storage": database == nil ? "sqlite" : "postgresql", "quick": "\(options.quick)", "library": sizeText,
                "intents": "\(intentCount)", "skill_search": rankers.joined(separator: ","),
            ])
        print("bench federation  " + report.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        let runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let factory = LoadRequestFactory(runID: runID)
        let anchorName = "FastAPI federation server"
        var failures: [String] = []

        for size in sizes {
            let skills = SkillLibrary(size: size, intents: intentCount, runID: runID)
            print("\n== library of \(size) traces (\(intentCount) intents) ==")
            let theirs = try await phase(.fastapi, ranker: nil, library: skills, twins: twinCount, seconds: seconds, factory: factory, workdir: workdir)
            if theirs.errorCount > 0 || theirs.ok == 0 { failures.append("fastapi lib \(size): \(theirs.errors)") }
            for ranker in rankers {
                let ours = try await phase(.hive, ranker: ranker, library: skills, twins: twinCount, seconds: seconds, factory: factory, workdir: workdir)
                if ours.errorCount > 0 || ours.ok == 0 { failures.append("hive \(ranker) lib \(size): \(ours.errors)") }
                let suffix = "_\(ranker)_lib\(size)"
                report.add(
                    BenchMetric("skills_throughput" + suffix, ours.throughput, unit: "req/s", anchor: anchorName, anchorValue: theirs.throughput, target: 20))
                report.add(
                    BenchMetric(
                        "skills_p95" + suffix, ours.latency?.p95 ?? 0, unit: "ms", anchor: anchorName, anchorValue: theirs.latency?.p95, target: 1,
                        lowerIsBetter: true))
                for name in ["skills-publish", "skills-search"] {
                    if let mine = ours.byOperation[name] {
                        report.add(
                            BenchMetric(
                                name + "_p95" + suffix, mine.p95, unit: "ms", anchor: anchorName, anchorValue: theirs.byOperation[name]?.p95,
                                lowerIsBetter: true))
                    }
                }
                // Per CPU-second figures hold up on a shared machine, where wall-clock throughput is whatever CPU was left.
                if let mine = ours.hubCPUMsPerRequest, let anchor = theirs.hubCPUMsPerRequest {
                    report.add(BenchMetric("server_cpu_ms_per_request" + suffix, mine, unit: "ms", anchor: anchorName, anchorValue: anchor, lowerIsBetter: true))
                }
                report.add(BenchMetric("hub_cpu_mean" + suffix, ours.hubMeanCPUPercent ?? 0, unit: "%"))
                report.add(BenchMetric("hub_peak_rss" + suffix, ours.hubPeakRSSMB ?? 0, unit: "MB"))
            }
            report.add(BenchMetric("anchor_cpu_mean_lib\(size)", theirs.hubMeanCPUPercent ?? 0, unit: "%"))
        }
        report.printTable()
        if let path = options.json { try report.write(to: path) }
        guard failures.isEmpty else { throw HiveError(.inconsistent, "requests failed or answers were wrong: " + failures.joined(separator: "; ")) }
    }

    /// One server, fresh: start it, pre-load the library, check a search, run the timed phase,
    /// check a publish is found, stop it.
    func phase(
        _ target: LoadTarget, ranker: String?, library: SkillLibrary, twins: Int, seconds: Double, factory: LoadRequestFactory,
        workdir: String
    ) async throws -> LoadReport {
        let port = try Self.freePort()
        let url = "http://127.0.0.1:\(port)"
        let name = target == .hive ? "hub-\(ranker ?? "")-\(library.size)" : "anchor-\(library.size)"
        let log = workdir + "/\(name).log"
        let process: Process
        switch target {
        case .hive:
            let config = "{\"port\": \(port), \"dataDirectory\": \"\(workdir)/\(name)\", \"rateLimitPerMinute\": 1000000000, \"aggregationIntervalMs\": 0}"
            try Data(config.utf8).write(to: URL(fileURLWithPath: workdir + "/\(name).json"))
            var arguments = ["serve", "--config", workdir + "/\(name).json", "--log-level", "warning", "--skill-search", ranker ?? "semantic"]
            if let database { arguments += ["--database", database] }
            process = try Self.spawn(Self.executablePath(), arguments, log: log)
        case .fastapi:
            process = try Self.spawn("/usr/bin/env", [python, Self.anchorScript(), "--port", "\(port)"], log: log)
        }
        defer { Self.stop(process) }
        try await Self.waitReady(url + (target == .hive ? "/readyz" : "/healthz"), process: process, log: log)
        if target == .hive, let ranker {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if ranker == "semantic", !text.contains("skill search:    semantic") {
                print("warning: the hub did not start the semantic ranker (no MiniLM model?); its figures are lexical")
            }
        }
        let (sessions, _) = try await LoadSetup.prepare(
            twins: twins, cacheDirectory: workdir, hub: url, target: target, connections: connections, registerConcurrency: 16,
            validForSeconds: seconds + 900)
        let label = target == .hive ? "hive (\(ranker ?? ""))" : "fastapi"
        let setupHTTP = LoadHTTP(baseURL: url, connections: connections, timeout: .seconds(900))
        do {
            let loadSeconds = try await LibraryLoader.load(
                library, sessions: sessions, http: setupHTTP, target: target, factory: factory, concurrency: target == .hive ? 4 : connections)
            let probeStart = ContinuousClock.now
            for k in [0, library.intents / 2, library.intents - 1] {
                try await LibraryLoader.probe(library, intent: k, target: target, http: setupHTTP, token: sessions.token(0))
            }
            print(
                String(
                    format: "%@: loaded %d traces in %.1f s (%.0f/s); first searches (index catch-up) %.1f s", label, library.size, loadSeconds,
                    loadSeconds > 0 ? Double(library.size) / loadSeconds : 0, LoadDriver.seconds(ContinuousClock.now - probeStart)))
        } catch {
            try? await setupHTTP.shutdown()
            throw error
        }
        let http = LoadHTTP(baseURL: url, connections: connections)
        let plan = LoadPlan(
            target: target, rate: 0, durationSeconds: seconds, connections: connections, mix: .skillsOnly, sampleSeconds: 5, library: library)
        print("\(label) at \(url): closed loop, \(connections) connections, \(seconds) s")
        let report = await LoadDriver(
            http: http, sessions: sessions, plan: plan, factory: factory, monitor: ProcessMonitor(pid: process.processIdentifier, port: nil)
        ).run()
        try await http.shutdown()
        print(report.render())
        do {
            try await LibraryLoader.roundTrip(library, twin: sessions.twins[0], target: target, http: setupHTTP, sessions: sessions, factory: factory)
            try await setupHTTP.shutdown()
        } catch {
            try? await setupHTTP.shutdown()
            throw error
        }
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
