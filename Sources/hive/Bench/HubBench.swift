import ArgumentParser
import Foundation
import HiveCore
import HiveHub
import Logging

/// `hive bench hub`: envelope ingest through the hub (signature against the registered key,
/// canonical-form and HLC checks, payload validation, dedupe, SQLite transaction per batch)
/// against the same batches in Python (cryptography Ed25519 verify + json + sqlite3 INSERT OR
/// IGNORE, scripts/anchors/hub.py), target ≥ 1× the anchor; and one aggregation round with the
/// default engine (see ``measureRound(twins:patternsPerTwin:topics:directory:)``) against the
/// Omega Core figures of design seed 002 §8.2: pattern aggregation ≥ 5 556 patterns/s and a
/// consensus check < 100 ms. Checks: every envelope accepted once, every replay a duplicate, the
/// round's model, consensus and reputations as expected.
struct HubBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Hub ingest throughput (verify + dedupe + store) vs Python cryptography + sqlite3 (scripts/anchors/hub.py).")

    @OptionGroup var options: BenchOptions

    @Option(help: "Envelopes to ingest (default 20000; 2000 with --quick).")
    var envelopes: Int?

    @Option(help: "Envelopes per request/transaction.")
    var batch = 100

    @Option(help: "Timing repetitions (the median is reported).")
    var repeats = 3

    @Option(help: "Twins in the aggregation round (default 200; 50 with --quick); the first fifth attack.")
    var roundTwins: Int?

    @Option(help: "Patterns each twin pushes before the round.")
    var patternsPerTwin = 10

    @Option(help: "Python interpreter with scripts/anchors/requirements.txt installed.")
    var python = "python3"

    @Option(help: "Path of the anchor script.")
    var anchorScript = "scripts/anchors/hub.py"

    func run() async throws {
        let count = envelopes ?? (options.quick ? 2000 : 20_000)
        guard count > 0, batch > 0, repeats > 0 else { throw ValidationError("--envelopes, --batch and --repeats must be > 0") }
        let twins = roundTwins ?? (options.quick ? 50 : 200)
        guard (5...10_000).contains(twins), (1...100).contains(patternsPerTwin) else {
            throw ValidationError("--round-twins must be in 5…10000 and --patterns-per-twin in 1…100")
        }
        // Twin i votes on topics i·P … i·P + P − 1 (mod topics): each topic gets P·twins/topics = 5·P
        // distinct voters (consensus needs 3).
        let topics = max(1, twins / 5)
        let workdir = NSTemporaryDirectory() + "hive-bench-hub-\(getpid())"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workdir) }

        var report = BenchReport(bench: "hub", params: [
            "envelopes": "\(count)", "batch": "\(batch)", "kind": "pattern.v1", "storage": "sqlite (WAL)",
            "repeats": "\(repeats)", "quick": "\(options.quick)",
            "round": "\(twins) twins (\(twins / 5) sign-flip ×10) × 1 update (40 rows, 2000 items, rank 16) + \(patternsPerTwin) patterns",
        ])
        print("bench hub  " + report.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))

        // One twin's envelopes, generated once and fed identically to both sides.
        let twinKey = NodeIdentity.generate()
        let clock = HybridLogicalClock(nodeID: twinKey.nodeID)
        var envelopes: [SignedEnvelope] = []
        envelopes.reserveCapacity(count)
        for index in 0..<count {
            let stamp = clock.now()
            let pattern = try Pattern(
                id: "pattern-\(index)", taskType: .preference, approach: "Similar to recent 5-star rated content #\(index)",
                tags: ["drama", "evening"], alpha: Double(2 + index % 7), beta: 2, stamp: stamp)
            envelopes.append(try SignedEnvelope.sign(pattern, kind: .pattern, stamp: stamp, identity: twinKey))
        }
        let dataPath = workdir + "/envelopes.jsonl"
        var lines = ""
        for envelope in envelopes {
            let message = SignedEnvelope.signingMessage(kind: envelope.kind, stamp: envelope.stamp, payload: envelope.payload)
            lines += "{\"id\":\"\(envelope.id)\",\"signer\":\"\(Hex.encode(envelope.signer))\","
                + "\"signature\":\"\(Data(envelope.signature).base64EncodedString())\","
                + "\"message\":\"\(Data(message).base64EncodedString())\",\"payload\":\"\(Data(envelope.payload).base64EncodedString())\"}\n"
        }
        try lines.write(toFile: dataPath, atomically: true, encoding: .utf8)

        var failures: [String] = []
        var rates: [Double] = []
        var cpuRates: [Double] = []
        var anchorRates: [Double] = []
        var rounds: [RoundMeasurement] = []
        for repetition in 0..<repeats {
            let cpuBefore = MeshBench.processCPUSeconds()
            let (rate, problems) = try await measureOurs(envelopes, twinKey: twinKey, directory: workdir + "/run-\(repetition)")
            let cpu = MeshBench.processCPUSeconds() - cpuBefore
            rates.append(rate)
            // Envelopes per CPU-second over ingest and replay (twice the envelopes), a figure the machine's load does not skew.
            if cpu > 0 { cpuRates.append(Double(2 * count) / cpu) }
            failures += problems
            let round = try await measureRound(
                twins: twins, patternsPerTwin: patternsPerTwin, topics: topics, directory: workdir + "/round-\(repetition)")
            rounds.append(round)
            failures += round.failures
            if let anchor = runAnchor(dataPath: dataPath) {
                if anchor.verified != count || anchor.inserted != count || anchor.replayInserted != 0 {
                    failures.append(
                        "anchor verified \(anchor.verified), inserted \(anchor.inserted), replay inserted \(anchor.replayInserted) of \(count)")
                }
                anchorRates.append(anchor.rate)
            }
        }
        print(BenchReport.header)
        report.add(
            BenchMetric(
                "ingest_envelopes_per_s", median(rates), unit: "env/s", anchor: "python cryptography+sqlite3",
                anchorValue: anchorRates.isEmpty ? nil : median(anchorRates), target: 1))
        report.add(BenchMetric("ingest_and_replay_envelopes_per_cpu_s", median(cpuRates), unit: "env/cpu-s"))
        let roundMs = median(rounds.map { $0.seconds * 1000 })
        report.add(BenchMetric("round_ms", roundMs, unit: "ms"))
        report.add(BenchMetric("round_cpu_ms", median(rounds.map { $0.cpuSeconds * 1000 }), unit: "ms"))
        report.add(
            BenchMetric(
                "round_patterns_per_s", median(rounds.map { Double($0.patterns) / max($0.seconds, 1e-9) }), unit: "pat/s",
                target: 5556))
        report.add(
            BenchMetric(
                "round_consensus_check_ms", roundMs, unit: "ms", target: 100, lowerIsBetter: true))
        if let path = options.json { try report.write(to: path) }
        if !failures.isEmpty {
            for failure in failures { FileHandle.standardError.write(Data("correctness check failed: \(failure)\n".utf8)) }
            throw ExitCode(1)
        }
    }

    /// Ingests every batch through the hub core on a fresh SQLite store; returns envelopes/s and any failed checks.
    func measureOurs(_ envelopes: [SignedEnvelope], twinKey: NodeIdentity, directory: String) async throws -> (Double, [String]) {
        var configuration = HubConfiguration()
        configuration.dataDirectory = directory
        configuration.adminToken = String(repeating: "b", count: 40)
        let (server, _) = try HubServer.make(configuration: configuration, engine: nil, logger: Logger(label: "bench"))
        try await server.prepare()
        let core = server.core
        let challenge = try await core.challenge()
        let registration = try await core.register(
            try Registration.Request.signed(identity: twinKey, userID: "bench", challenge: challenge.challenge))
        guard let twin = try await core.store.twin(id: registration.twinID) else { return (0, ["twin not stored"]) }

        var failures: [String] = []
        let start = ContinuousClock.now
        var accepted = 0
        for first in stride(from: 0, to: envelopes.count, by: batch) {
            let results = try await core.push(Array(envelopes[first..<min(first + batch, envelopes.count)]), twin: twin, kinds: [.pattern])
            accepted += results.filter { $0.status == .accepted }.count
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var duplicates = 0
        for first in stride(from: 0, to: envelopes.count, by: batch) {
            let results = try await core.push(Array(envelopes[first..<min(first + batch, envelopes.count)]), twin: twin, kinds: [.pattern])
            duplicates += results.filter { $0.status == .duplicate }.count
        }
        let counts = try await core.store.counts(nowMs: core.nowMs, activeWindowMs: 60_000)
        if accepted != envelopes.count { failures.append("hub accepted \(accepted) of \(envelopes.count)") }
        if duplicates != envelopes.count { failures.append("hub replay: \(duplicates) duplicates of \(envelopes.count)") }
        if counts.patternsReceived != Int64(envelopes.count) {
            failures.append("hub stored \(counts.patternsReceived) patterns for \(envelopes.count) envelopes")
        }
        return (Double(envelopes.count) / seconds, failures)
    }

    struct AnchorResult {
        var rate: Double
        var verified: Int
        var inserted: Int
        var replayInserted: Int
    }

    func runAnchor(dataPath: String) -> AnchorResult? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, anchorScript, dataPath, String(batch)]
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            FileHandle.standardError.write(Data("warning: cannot run anchor \(anchorScript): \(error)\n".utf8))
            return nil
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            let rate = (object["envelopes_per_s"] as? NSNumber)?.doubleValue,
            let verified = (object["verified"] as? NSNumber)?.intValue,
            let inserted = (object["inserted"] as? NSNumber)?.intValue,
            let replay = (object["replay_inserted"] as? NSNumber)?.intValue
        else {
            FileHandle.standardError.write(
                Data("warning: anchor \(anchorScript) failed; install scripts/anchors/requirements.txt. Ratios are omitted.\n".utf8))
            return nil
        }
        return AnchorResult(rate: rate, verified: verified, inserted: inserted, replayInserted: replay)
    }

    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
