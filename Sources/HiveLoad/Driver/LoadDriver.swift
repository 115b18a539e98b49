import AsyncHTTPClient
import Foundation
import HiveCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Drives a plan against a target and returns the report.
///
/// Open loop (rate > 0): request `i` is due at `start + i / rate` and is sent then whether or
/// not earlier requests have answered; its latency runs from that intended time, so a stalled
/// server shows up as latency instead of silently lowering the offered load (coordinated
/// omission). Requests queue in the client's pool of at most `connections` connections.
public final class LoadDriver: Sendable {
    public let http: LoadHTTP
    public let sessions: LoadSessions
    public let plan: LoadPlan
    public let factory: LoadRequestFactory
    public let recorder = LoadRecorder()
    /// Pushes signed before the run (nil: every push is signed when it is sent).
    let prepared: PreparedPushes?
    let ackLog: AckLog?
    let monitor: ProcessMonitor?
    let log: @Sendable (String) -> Void
    private let inFlight = Atomic<Int>(0)
    private let skillCounter = Atomic<Int>(0)
    private let acknowledged = Atomic<Int>(0)

    public init(
        http: LoadHTTP, sessions: LoadSessions, plan: LoadPlan, factory: LoadRequestFactory = LoadRequestFactory(),
        prepared: PreparedPushes? = nil, ackLog: AckLog? = nil, monitor: ProcessMonitor? = nil,
        log: @escaping @Sendable (String) -> Void = { print($0) }
    ) {
        self.prepared = prepared
        self.http = http
        self.sessions = sessions
        self.plan = plan
        self.factory = factory
        self.ackLog = ackLog
        self.monitor = monitor
        self.log = log
    }

    /// Runs the plan to its end and reports.
    public func run() async -> LoadReport {
        let start = ContinuousClock.now
        let generatorStart = Self.ownCPUSeconds()
        let duration = Duration.milliseconds(Int64(plan.durationSeconds * 1000))
        let intervals = Mutex<[LoadReport.Interval]>([])
        _ = monitor?.sample(elapsedSeconds: 0)
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(plan.sampleSeconds * 1000)))
                if Task.isCancelled { break }
                let interval = sampleInterval(start: start)
                intervals.withLock { $0.append(interval) }
            }
        }
        if plan.rate > 0 {
            await runOpenLoop(start: start, duration: duration)
        } else {
            await runClosedLoop(start: start, duration: duration)
        }
        progress.cancel()
        let elapsed = Self.seconds(ContinuousClock.now - start)
        let final = sampleInterval(start: start)
        ackLog?.flush()
        let summary = recorder.summary()
        let samples = monitor?.samples ?? []
        let cpus = samples.compactMap(\.cpuPercent)
        return LoadReport(
            url: http.baseURL, plan: plan, twins: sessions.count, sent: summary.sent, ok: summary.ok, errors: summary.errors,
            elapsedSeconds: elapsed, throughput: elapsed > 0 ? Double(summary.ok) / elapsed : 0, latency: summary.latency,
            byOperation: summary.byOperation, acknowledgedEnvelopes: acknowledged.load(ordering: .relaxed),
            intervals: intervals.withLock { $0 } + [final],
            hubPeakRSSMB: samples.map { Double($0.rssBytes) / 1_048_576 }.max(),
            hubMeanCPUPercent: cpus.isEmpty ? nil : cpus.reduce(0, +) / Double(cpus.count),
            hubCPUSeconds: samples.count > 1 ? monitor?.cpuSeconds : nil,
            generatorCPUSeconds: Self.ownCPUSeconds() - generatorStart)
    }

    /// User + system CPU seconds of this process so far.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    func runOpenLoop(start: ContinuousClock.Instant, duration: Duration) async {
        let period = 1.0 / plan.rate
        let total = Int((plan.durationSeconds * plan.rate).rounded(.down))
        await withDiscardingTaskGroup { group in
            for index in 0..<total {
                let intended = start + .nanoseconds(Int64(Double(index) * period * 1e9))
                if intended > ContinuousClock.now {
                    try? await Task.sleep(until: intended, clock: .continuous)
                }
                recorder.sent()
                if inFlight.load(ordering: .relaxed) >= plan.maxInFlight {
                    recorder.failure("client-backlog")
                    continue
                }
                inFlight.add(1, ordering: .relaxed)
                group.addTask {
                    await self.perform(index, intended: intended)
                    self.inFlight.subtract(1, ordering: .relaxed)
                }
            }
        }
    }

    func runClosedLoop(start: ContinuousClock.Instant, duration: Duration) async {
        let next = LoadCounter()
        let end = start + duration
        await withDiscardingTaskGroup { group in
            for _ in 0..<plan.connections {
                group.addTask {
                    while ContinuousClock.now < end {
                        let index = next.next()
                        self.recorder.sent()
                        await self.perform(index, intended: ContinuousClock.now)
                    }
                }
            }
        }
    }

    /// Prints and returns one progress interval.
    func sampleInterval(start: ContinuousClock.Instant) -> LoadReport.Interval {
        let elapsed = Self.seconds(ContinuousClock.now - start)
        let window = recorder.takeWindow()
        let totals = recorder.totals()
        let sample = monitor?.sample(elapsedSeconds: elapsed)
        let interval = LoadReport.Interval(
            elapsedSeconds: elapsed, throughput: Double(window.ok) / max(plan.sampleSeconds, 0.001), p95Ms: window.p95Ms,
            hubRSSMB: sample.map { Double($0.rssBytes) / 1_048_576 }, hubCPUPercent: sample?.cpuPercent)
        var line = String(
            format: "  t=%6.1fs sent %d ok %d errors %d | window %.0f req/s p95 %.2f ms", elapsed, totals.sent, totals.ok, totals.errors,
            interval.throughput, interval.p95Ms)
        if let sample {
            line += String(format: " | hub pid %d rss %.0f MB", sample.pid, Double(sample.rssBytes) / 1_048_576)
            if let cpu = sample.cpuPercent { line += String(format: " cpu %.0f%%", cpu) }
        }
        log(line)
        return interval
    }

    // MARK: One request

    func perform(_ index: Int, intended: ContinuousClock.Instant) async {
        let operation = plan.mix.operation(for: index)
        let twin = sessions.twins[index % sessions.count]
        do {
            let name: String
            switch (plan.target, operation) {
            case (.hive, .push): name = try await hivePush(twin, index: index)
            case (.hive, .pull): name = try await hivePull(twin)
            case (.hive, .skills): name = try await hiveSkills(twin)
            case (.fastapi, .skills): name = try await fastAPISkills(twin)
            case (.fastapi, _): throw LoadFailure("unsupported-operation")
            }
            let elapsed = ContinuousClock.now - intended
            recorder.success(name, micros: UInt64(max(0, Self.seconds(elapsed) * 1e6)))
        } catch let failure as LoadFailure {
            recorder.failure(failure.kind)
        } catch {
            recorder.failure(Self.kind(of: error))
        }
    }

    func token(_ twin: LoadTwin) throws -> String {
        guard let token = sessions.token(twin.index) else { throw LoadFailure("unregistered-twin") }
        return token
    }

    /// The parts of a sync answer the load generator checks (decoding the whole
    /// ``OmegaSyncResponse`` — pull page, signature, receipts — cost more than the request).
    struct SyncReply: Decodable {
        struct Pull: Decodable { var cursor: Int64 }
        var results: [OmegaSyncResponse.EnvelopeResult]
        var pull: Pull?
        var accessToken: String
        var accessTokenExpiresAt: Int64
    }

    /// Push request `index`: its prepared body, or one signed now (twin `index mod N`, sequence `index + 1`).
    func hivePush(_ twin: LoadTwin, index: Int) async throws -> String {
        let push = try prepared?[index] ?? PreparedPushes.push(index: index, sessions: sessions, factory: factory)
        let reply = try await http.send(.POST, "/api/v1/sync", bearer: try token(twin), buffer: push.body)
        let response = try expect(reply, status: 200, as: SyncReply.self)
        sessions.setToken(twin.index, response.accessToken, expiresAt: response.accessTokenExpiresAt)
        guard let result = response.results.first, result.id == push.envelopeID else { throw LoadFailure("missing-result") }
        switch result.status {
        case .accepted, .duplicate: acknowledge(push.envelopeID)
        case .rejected: throw LoadFailure("rejected: " + (result.reason ?? "").prefix(60))
        }
        return "push"
    }

    func hivePull(_ twin: LoadTwin) async throws -> String {
        let body = Self.pullBody(since: sessions.cursor(twin.index))
        let reply = try await http.send(.POST, "/api/v1/sync", bearer: try token(twin), buffer: ByteBuffer(string: body))
        let response = try expect(reply, status: 200, as: SyncReply.self)
        sessions.setToken(twin.index, response.accessToken, expiresAt: response.accessTokenExpiresAt)
        if let pull = response.pull { sessions.setCursor(twin.index, pull.cursor) }
        return "pull"
    }

    /// The JSON of `OmegaSyncRequest(type: .pull, since: since, maxPullCount: 20)`, written
    /// directly (the encoder cost more than the rest of building a pull).
    static func pullBody(since: Int64) -> String {
        #"{"maxPullCount":20,"since":"# + String(since) + #","type":"pull"}"#
    }

    struct SkillAccepted: Decodable { var id: String }

    /// Results a Hive search asks for.
    static let searchLimit = 10

    /// With a library: the intent number a request uses (`salt` separates publishes from searches).
    func libraryIntent(_ library: SkillLibrary, sequence: UInt64, twin: LoadTwin, salt: UInt64) -> Int {
        let mixed = (sequence &+ salt) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(twin.index) &* 0xBF58_476D_1CE4_E5B9
        return Int((mixed >> 17) % UInt64(library.intents))
    }

    func hiveSkills(_ twin: LoadTwin) async throws -> String {
        let sequence = sessions.nextSequence(twin.index)
        let library = plan.library
        if skillCounter.add(1, ordering: .relaxed).oldValue % 2 == 0 {
            let intent = library.map { SkillLibrary.intent(libraryIntent($0, sequence: sequence, twin: twin, salt: 1)) }
            let envelope = try factory.skillEnvelope(twin, sequence: sequence, intent: intent)
            let reply = try await http.send(.POST, "/api/v1/skills", bearer: try token(twin), body: Array(try HiveJSON.encode(envelope)))
            let accepted = try expect(reply, status: 201, as: SkillAccepted.self)
            guard accepted.id == envelope.id else { throw LoadFailure("wrong-id") }
            acknowledge(envelope.id)
            return "skills-publish"
        }
        let k = library.map { libraryIntent($0, sequence: sequence, twin: twin, salt: 2) }
        let intent = k.map(SkillLibrary.intent) ?? LoadRequestFactory.intent(sequence &* 31 &+ UInt64(twin.index))
        let reply = try await http.send(
            .GET, "/api/v1/skills?limit=\(Self.searchLimit)&intent=" + Self.queryEscape(intent), bearer: try token(twin))
        if let library, let k {
            let answer = try expect(reply, status: 200, as: HiveSearchAnswer.self)
            try check(answer.skills.map(\.trace), library: library, intent: k, limit: Self.searchLimit)
        } else {
            try expectStatus(reply, 200)
        }
        return "skills-search"
    }

    func fastAPISkills(_ twin: LoadTwin) async throws -> String {
        let sequence = sessions.nextSequence(twin.index)
        let library = plan.library
        if skillCounter.add(1, ordering: .relaxed).oldValue % 2 == 0 {
            let intent = library.map { SkillLibrary.intent(libraryIntent($0, sequence: sequence, twin: twin, salt: 1)) }
            let body = try factory.fastAPISkillBody(twin, sequence: sequence, intent: intent)
            let reply = try await http.send(.POST, "/skills", body: body)
            guard reply.status == 201 || reply.status == 200 else { throw LoadFailure("http-\(reply.status)") }
            return "skills-publish"
        }
        let k = library.map { libraryIntent($0, sequence: sequence, twin: twin, salt: 2) }
        let intent = k.map(SkillLibrary.intent) ?? LoadRequestFactory.intent(sequence &* 31 &+ UInt64(twin.index))
        let reply = try await http.send(.GET, "/skills?intent=" + Self.queryEscape(intent))
        if let library, let k {
            let answer = try expect(reply, status: 200, as: AnchorSearchAnswer.self)
            // The design's server returns every match, so it must return every pre-loaded trace with the intent.
            try check(answer.skills, library: library, intent: k, limit: nil)
        } else {
            try expectStatus(reply, 200)
        }
        return "skills-search"
    }

    struct TraceIdentity: Decodable {
        var traceID: String
        var intent: String
        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id"
            case intent
        }
    }

    struct HiveSearchAnswer: Decodable {
        struct Hit: Decodable { var trace: TraceIdentity }
        var skills: [Hit]
    }

    struct AnchorSearchAnswer: Decodable { var skills: [TraceIdentity] }

    /// A search for library intent `k` must return the pre-loaded traces carrying it. Without a
    /// limit (the anchor returns every match): all of them. With one (the hub's best `limit`): its
    /// first `min(limit, count)` hits must all carry exactly that intent — they score 1, the best
    /// possible; which of several equal-intent traces come first may differ in the last bit of a
    /// float score, so a trace the timed phase published with the same intent counts too.
    static func check(_ returned: [TraceIdentity], library: SkillLibrary, intent k: Int, limit: Int?) -> Bool {
        let expected = library.traces(withIntent: k)
        guard !expected.isEmpty else { return true }
        guard let limit else {
            let ids = Set(returned.map(\.traceID))
            return expected.allSatisfy(ids.contains)
        }
        let need = min(limit, expected.count)
        let text = SkillLibrary.intent(k)
        return returned.count >= need && returned.prefix(need).allSatisfy { $0.intent == text }
    }

    func check(_ returned: [TraceIdentity], library: SkillLibrary, intent k: Int, limit: Int?) throws {
        guard Self.check(returned, library: library, intent: k, limit: limit) else { throw LoadFailure("wrong-answer") }
    }

    func acknowledge(_ id: String) {
        acknowledged.add(1, ordering: .relaxed)
        ackLog?.record(id)
    }

    // MARK: Helpers

    struct ProblemBody: Decodable { var type: String? }

    func expectStatus(_ reply: LoadHTTP.Reply, _ status: Int) throws {
        guard reply.status == status else {
            let problem = try? LoadHTTP.decode(ProblemBody.self, reply)
            let type = problem?.type.map { " " + ($0.split(separator: "/").last.map(String.init) ?? $0) } ?? ""
            throw LoadFailure("http-\(reply.status)\(type.prefix(40))")
        }
    }

    func expect<T: Decodable>(_ reply: LoadHTTP.Reply, status: Int, as type: T.Type) throws -> T {
        try expectStatus(reply, status)
        do {
            return try LoadHTTP.decode(type, reply)
        } catch {
            throw LoadFailure("undecodable-response")
        }
    }

    static func queryEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A short, bounded name for a transport error.
    static func kind(of error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout { return "timeout" }
            if error == .remoteConnectionClosed { return "connection-closed" }
            return "http-client: " + String(describing: error).prefix(48)
        }
        let name = String(describing: type(of: error))
        if name.contains("NIOConnectionError") || name.contains("ConnectError") { return "connect" }
        if let error = error as? HiveError { return "\(error.code)" }
        return "io: " + name.prefix(48)
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A request that did not succeed, by kind.
struct LoadFailure: Error {
    var kind: String
    init(_ kind: some StringProtocol) { self.kind = String(kind) }
}
