import ArgumentParser
import Foundation
import HiveCore
import HiveMesh
import HiveTwin

/// `hive bench mesh`: convergence after a partition heals (5, 20, 50 nodes on loopback TCP, all in
/// this process) with the frames it took, and SWIM failure-detection time, beside the anchor
/// figures quoted in issue 13.
///
/// Scenario per group size: start the nodes (each seeded only with the first), wait until every
/// node holds every other alive; then `--runs` times: split the group into two halves (each node
/// blocks the other half's ids), write one key on each side and a `local_only.*` key, keep the
/// partition for `--partition-ms`, heal, and time until every node's exported snapshot digest is
/// equal and holds both writes. Finally kill one node and time until every survivor holds it dead.
///
/// Anchors are published figures, not re-measured here (memberlist and scalecube are Go/Java
/// libraries outside this toolchain): memberlist detects a failure after one 1 s probe period plus
/// a suspicion timeout of 4·max(1, log10 N) s; scalecube disseminates in 2.2 s at 5 nodes and 3.6 s
/// at 200 nodes (300 ms gossip, 1 % loss).
struct MeshBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh", abstract: "Mesh convergence after heal and failure detection, vs memberlist/scalecube figures.")

    @OptionGroup var options: BenchOptions

    @Option(help: "Comma-separated group sizes (default 5,20,50; --quick: 5,20).")
    var sizes: String?

    @Option(help: "Partition/heal cycles per group size (the median is reported).")
    var runs = 3

    @Option(help: "How long each partition lasts, in ms.")
    var partitionMs = 1_000

    struct Failure: Error, CustomStringConvertible { var description: String }

    struct Result {
        var join: Double
        var convergence: [Double]
        var frames: [Int]
        var bytes: [Int]
        var byType: [String: Int]
        var aliveAgain: [Double]
        var handshakes: [Int]
        var cpu: [Double]
        var detection: Double
    }

    func run() async throws {
        let sizes = try sizes.map { text in
            try text.split(separator: ",").map { part -> Int in
                guard let n = Int(part), (3...200).contains(n) else { throw Failure(description: "sizes must be integers in 3...200") }
                return n
            }
        } ?? (options.quick ? [5, 20] : [5, 20, 50])
        guard (1...20).contains(runs), (100...30_000).contains(partitionMs) else {
            throw Failure(description: "--runs must be in 1...20 and --partition-ms in 100...30000")
        }
        let defaults = MeshNodeConfiguration(listen: MeshAddress(host: "127.0.0.1", port: 0))
        var report = BenchReport(bench: "mesh", params: [
            "sizes": sizes.map(String.init).joined(separator: ","), "runs": String(runs), "partition_ms": String(partitionMs),
            "probe_ms": String(defaults.swim.probeIntervalMs), "ack_timeout_ms": String(defaults.swim.ackTimeoutMs),
            "anti_entropy_ms": String(defaults.antiEntropyIntervalMs), "fanout": String(defaults.antiEntropyFanout),
            "transport": "TCP loopback, signed handshake, one process",
        ])
        print(BenchReport.header)
        for n in sizes {
            let result = try await measure(nodes: n)
            let convergence = Self.median(result.convergence)
            let scalecube = n <= 5 ? 2.2 : 3.6
            report.add(BenchMetric("join_all_alive_n\(n)", result.join, unit: "s"))
            report.add(BenchMetric(
                "convergence_after_heal_n\(n)", convergence, unit: "s",
                anchor: n <= 5 ? "scalecube 5 nodes" : "scalecube 200 nodes", anchorValue: scalecube,
                target: nil, lowerIsBetter: true))
            report.add(BenchMetric("convergence_after_heal_n\(n)_max", result.convergence.max() ?? 0, unit: "s"))
            if n == 50 { report.add(BenchMetric("convergence_after_heal_n50_goal", convergence, unit: "s", target: 3, lowerIsBetter: true)) }
            report.add(BenchMetric("convergence_frames_n\(n)", Self.median(result.frames.map(Double.init)), unit: "frames"))
            report.add(BenchMetric("convergence_frames_per_node_n\(n)", Self.median(result.frames.map(Double.init)) / Double(n), unit: "frames"))
            // CPU the whole process (all n nodes) spent from heal to convergence: the load-independent
            // part of the figure; wall time on a busy machine is this divided by the CPU share we got.
            report.add(BenchMetric("convergence_cpu_seconds_n\(n)", Self.median(result.cpu), unit: "cpu-s"))
            report.add(BenchMetric("convergence_handshakes_n\(n)", Self.median(result.handshakes.map(Double.init)), unit: "count"))
            report.add(BenchMetric("convergence_kib_n\(n)", Self.median(result.bytes.map(Double.init)) / 1_024, unit: "KiB"))
            for (type, frames) in result.byType.sorted(by: { $0.key < $1.key }) {
                report.add(BenchMetric("convergence_\(type)_frames_n\(n)", Double(frames) / Double(result.convergence.count), unit: "frames"))
            }
            let settled = result.aliveAgain.filter(\.isFinite)
            report.add(BenchMetric("all_alive_again_after_heal_n\(n)", settled.count == result.aliveAgain.count ? Self.median(settled) : -1, unit: "s"))
            let memberlist = 1 + 4 * max(1, log10(Double(n)))
            report.add(BenchMetric(
                "failure_detection_n\(n)", result.detection, unit: "s", anchor: "memberlist 1s+4·log10N s",
                anchorValue: memberlist, lowerIsBetter: true))
        }
        if let json = options.json { try report.write(to: json) }
    }

    /// User + system CPU time of this process so far, in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private func measure(nodes count: Int) async throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hive-bench-mesh-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        var nodes: [MeshNode] = []
        var seed: MeshAddress?
        for index in 0..<count {
            var storeConfiguration = TwinStoreConfiguration()
            storeConfiguration.durability = .normal
            let store = try TwinStore(
                path: base.appendingPathComponent("n\(index).sqlite").path, identity: .generate(), userID: "bench\(index)",
                configuration: storeConfiguration)
            var configuration = MeshNodeConfiguration(listen: MeshAddress(host: "127.0.0.1", port: 0), seeds: seed.map { [$0] } ?? [])
            configuration.expectedClusterSize = count
            configuration.channel.backoff = MeshBackoff(baseMs: 50, capMs: 500)
            let node = try MeshNode(store: store, configuration: configuration)
            let bound = try await node.start()
            if seed == nil { seed = bound }
            nodes.append(node)
        }
        let tasks = nodes.map { node in Task { try await node.run() } }
        defer { for task in tasks { task.cancel() } }
        let ids = nodes.map(\.nodeID)
        func allAlive(_ indices: [Int]) async -> Bool {
            for i in indices {
                let members = await nodes[i].members
                for j in indices where j != i {
                    guard members[ids[j]] == .alive else { return false }
                }
            }
            return true
        }
        let joinStarted = Date()
        guard try await waitUntil(seconds: 120, pollMs: 100, { await allAlive(Array(nodes.indices)) }) else {
            throw Failure(description: "\(count) nodes did not all hold each other alive within 120 s")
        }
        let join = Date().timeIntervalSince(joinStarted)
        let left = Array(0..<(count / 2))
        let right = Array((count / 2)..<count)
        var convergence: [Double] = []
        var frames: [Int] = []
        var bytes: [Int] = []
        var byType: [String: Int] = [:]
        var aliveAgain: [Double] = []
        var handshakes: [Int] = []
        var cpu: [Double] = []
        for run in 0..<runs {
            for i in left { await nodes[i].partition(from: Set(right.map { ids[$0] })) }
            for i in right { await nodes[i].partition(from: Set(left.map { ids[$0] })) }
            let writer = (left[run % left.count], right[run % right.count])
            try nodes[writer.0].snapshots.set("bench.left", .string("L\(run)"))
            try nodes[writer.1].snapshots.set("bench.right", .string("R\(run)"))
            try nodes[writer.1].snapshots.set("local_only.bench\(run)", .string("private"))
            try await Task.sleep(for: .milliseconds(partitionMs))
            if try nodes[left[0]].snapshots.value("bench.right") == .string("R\(run)") {
                throw Failure(description: "the partition leaked: the right side's write reached the left")
            }
            let before = nodes.map { $0.channel.traffic.snapshot }
            let handshakesBefore = nodes.reduce(0) { $0 + $1.channel.handshakes }
            let cpuBefore = Self.processCPUSeconds()
            let started = Date()
            for node in nodes { await node.partition(from: []) }
            // Two indexed reads per node first, the digests (a full export of every snapshot) only
            // once every node holds both writes: the poll runs in the measured process and must not
            // cost more than the nodes it watches (at 50 nodes, 50 exports every 20 ms would).
            var holding = 0
            let converged = try await waitUntil(seconds: 60) {
                while holding < nodes.count {
                    let node = nodes[holding]
                    guard try node.snapshots.value("bench.left") == .string("L\(run)"),
                        try node.snapshots.value("bench.right") == .string("R\(run)")
                    else { return false }
                    holding += 1
                }
                let digest = nodes[0].snapshotDigest()
                for node in nodes.dropFirst() where node.snapshotDigest() != digest { return false }
                return true
            }
            let elapsed = Date().timeIntervalSince(started)
            cpu.append(Self.processCPUSeconds() - cpuBefore)
            guard converged else { throw Failure(description: "\(count) nodes did not converge within 60 s of the heal") }
            convergence.append(elapsed)
            var runFrames = 0
            var runBytes = 0
            for (node, earlier) in zip(nodes, before) {
                for (type, count) in node.channel.traffic.snapshot {
                    let delta = count.frames - (earlier[type]?.frames ?? 0)
                    runFrames += delta
                    runBytes += count.bytes - (earlier[type]?.bytes ?? 0)
                    byType[type, default: 0] += delta
                }
            }
            handshakes.append(nodes.reduce(0) { $0 + $1.channel.handshakes } - handshakesBefore)
            frames.append(runFrames)
            bytes.append(runBytes)
            FileHandle.standardError.write(Data("n=\(count) run \(run + 1): converged in \(String(format: "%.3f", elapsed)) s, \(runFrames) frames\n".utf8))
            guard try nodes[writer.1].snapshots.value("local_only.bench\(run)") == .string("private") else {
                throw Failure(description: "the local_only key was lost on its own device")
            }
            for node in nodes.indices where node != writer.1 {
                if try nodes[node].snapshots.value("local_only.bench\(run)") != nil {
                    throw Failure(description: "a local_only key left its device")
                }
            }
            // Let suspicion raised during the partition settle before the next cycle (reported:
            // members buried during the partition must refute before everyone holds them alive).
            let settled = try await waitUntil(seconds: 60, pollMs: 100, { await allAlive(Array(nodes.indices)) })
            aliveAgain.append(settled ? Date().timeIntervalSince(started) : .infinity)
            if !settled {
                FileHandle.standardError.write(Data("n=\(count) run \(run + 1): not every node held every other alive within 60 s of the heal\n".utf8))
            }
        }
        // Failure detection: stop node 1 abruptly.
        let victim = 1
        tasks[victim].cancel()
        await nodes[victim].isolate(true)
        let killed = Date()
        let survivors = nodes.indices.filter { $0 != victim }
        let detected = try await waitUntil(seconds: 60) {
            for i in survivors where await nodes[i].members[ids[victim]] != .dead { return false }
            return true
        }
        let detection = Date().timeIntervalSince(killed)
        guard detected else { throw Failure(description: "failure of one node of \(count) not detected within 60 s") }
        for node in nodes { await node.isolate(true) }
        return Result(
            join: join, convergence: convergence, frames: frames, bytes: bytes, byType: byType, aliveAgain: aliveAgain, handshakes: handshakes, cpu: cpu,
            detection: detection)
    }

    /// Polls every `pollMs` (the nodes run in this process: faster polling would steal their CPU).
    private func waitUntil(seconds: Double, pollMs: Int = 20, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(pollMs))
        }
        return false
    }
}
