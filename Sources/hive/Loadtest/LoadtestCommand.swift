import ArgumentParser
import Foundation
import HiveCore
import HiveLoad

/// `hive loadtest`: N registered twins driving signed sync traffic at a hub, open loop.
struct LoadtestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Drive signed sync traffic from N registered twins at a hub (open loop) and report latency, errors and the hub's RSS/CPU.",
        discussion: """
            Identities are generated once and cached (0600) under --cache; registrations (tokens) are cached per hub.
            Latency runs from each request's intended send time (no coordinated omission). Loopback only unless
            --allow-remote. The hub must allow the load: start it with a configuration raising rateLimitPerMinute,
            e.g. {"rateLimitPerMinute": 1000000000}.
            """)

    @Option(help: "Target base URL, e.g. http://127.0.0.1:8433.") var hub: String
    @Option(help: "Simulated twins (each registers once).") var twins = 1000
    @Option(help: "Intended requests per second (open loop); 0 = closed loop over --connections.") var rate: Double = 100
    @Option(help: "Seconds to send for.") var duration: Double = 30
    @Option(help: "Operation weights, e.g. push=0.7,pull=0.3 or skills=1 (default push=0.7,pull=0.3; skills=1 for fastapi).")
    var mix: String?
    @Option(help: "Most HTTP connections to the target.") var connections = 64
    @Option(help: "What is listening at --hub: hive or fastapi (scripts/anchors/federation_server.py).") var target: LoadTarget = .hive
    @Flag(help: "Allow a non-loopback target.") var allowRemote = false
    @Option(help: "Write the report as JSON here.") var json: String?
    @Option(help: "Append the id of every acknowledged envelope to this file (one per line).") var acks: String?
    @Option(name: .customLong("hub-pid"), help: "Sample this process's RSS/CPU (default: the process listening on the hub's port).")
    var hubPID: Int32?
    @Option(help: "Directory for the identity and registration caches (default $HIVE_HOME/loadtest).") var cache: String?
    @Option(help: "Seconds between progress lines.") var sampleSeconds: Double = 5
    @Option(help: "Concurrent registrations.") var registerConcurrency = 32
    @Flag(help: "Sign each pushed envelope when it is sent, instead of preparing the signed pushes before the timed phase.")
    var signOnSend = false

    func validate() throws {
        guard twins > 0, twins <= LoadIdentityCache.maxCount else { throw ValidationError("--twins must be in 1…\(LoadIdentityCache.maxCount)") }
        guard rate.isFinite, rate >= 0, rate <= 1_000_000 else { throw ValidationError("--rate must be in 0…1000000") }
        guard duration.isFinite, duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be in (0, 86400] seconds") }
        guard connections > 0, connections <= 10_000 else { throw ValidationError("--connections must be in 1…10000") }
        guard sampleSeconds.isFinite, sampleSeconds >= 0.1 else { throw ValidationError("--sample-seconds must be ≥ 0.1") }
        guard registerConcurrency > 0, registerConcurrency <= 1000 else { throw ValidationError("--register-concurrency must be in 1…1000") }
    }

    func run() async throws {
        let report: LoadReport
        do {
            try LoadTarget.checkLoopback(hub, allowRemote: allowRemote)
            let mix = try self.mix.map { try LoadMix(parsing: $0) } ?? (target == .fastapi ? .skillsOnly : .defaultSync)
            if target == .fastapi, mix.weights.keys.contains(where: { $0 != .skills }) {
                throw HiveError(.invalidInput, "the FastAPI federation server only has the skills workload (--mix skills=1)")
            }
            let plan = LoadPlan(
                target: target, rate: rate, durationSeconds: duration, connections: connections, mix: mix, sampleSeconds: sampleSeconds)
            let directory = cache ?? (HivePaths.home as NSString).appendingPathComponent("loadtest")
            let (sessions, registrations) = try await LoadSetup.prepare(
                twins: twins, cacheDirectory: directory, hub: hub, target: target, connections: connections,
                registerConcurrency: registerConcurrency, validForSeconds: duration + 120, log: Self.say)
            let factory = LoadRequestFactory()
            let ackLog = try acks.map { try AckLog(path: $0) }
            let http = LoadHTTP(baseURL: hub, connections: connections)
            let port = URL(string: hub)?.port ?? (hub.hasPrefix("https") ? 443 : 80)
            let monitor = ProcessMonitor(pid: hubPID, port: port)
            let prepared = try await prepare(plan: plan, sessions: sessions, factory: factory)
            Self.say("driving \(target.rawValue) at \(hub): \(rate == 0 ? "closed loop" : "\(rate) req/s") for \(duration) s, mix \(mix), \(connections) connections")
            let driver = LoadDriver(
                http: http, sessions: sessions, plan: plan, factory: factory, prepared: prepared, ackLog: ackLog, monitor: monitor,
                log: Self.say)
            report = await driver.run()
            ackLog?.close()
            try await http.shutdown()
            // The run refreshed tokens: keep them so the next run against this hub registers nothing.
            try registrations?.save(sessions)
        } catch let error as HiveError {
            throw ValidationError(error.message)
        }
        print(report.render())
        if let json { try report.write(to: json) }
    }
}

extension LoadtestCommand {
    /// Most request indexes prepared for a closed-loop run (it has no schedule): 3,000 per second of run.
    static let closedLoopPreparedPerSecond = 3_000.0

    /// Signs the run's pushes before the timed phase (every index of an open-loop schedule; for a
    /// closed loop, up to ``closedLoopPreparedPerSecond`` × duration, then signing on send).
    func prepare(plan: LoadPlan, sessions: LoadSessions, factory: LoadRequestFactory) async throws -> PreparedPushes? {
        guard !signOnSend, plan.target == .hive, (plan.mix.weights[.push] ?? 0) > 0 else { return nil }
        let perSecond = plan.rate > 0 ? plan.rate : Self.closedLoopPreparedPerSecond
        let count = Int(min(plan.durationSeconds * perSecond, 5_000_000).rounded(.down))
        let started = ContinuousClock.now
        let prepared = try await PreparedPushes(count: count, mix: plan.mix, sessions: sessions, factory: factory)
        let elapsed = ContinuousClock.now - started
        Self.say(
            "prepared \(prepared.ready) signed pushes in \(elapsed.components.seconds).\(String(format: "%03d", elapsed.components.attoseconds / 1_000_000_000_000_000)) s (before the timed phase)")
        return prepared
    }

    /// Writes a progress line straight to stdout (unbuffered, so a log file shows it as it happens).
    @Sendable static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

extension LoadTarget: ExpressibleByArgument {}
