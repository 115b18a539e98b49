import ArgumentParser
import Foundation
import HiveCore
import HiveMesh
import HiveTwin

/// `hive bench mesh`: convergence after a partition heals (5, 20, 50 nodes on loopback) and
/// SWIM failure-detection time, beside the anchor figures quoted in issue 13.
///
/// Anchors are published figures, not re-measured here (memberlist and scalecube are Go/Java
/// libraries outside this toolchain): memberlist detects a failure after one 1 s probe period plus
/// a suspicion timeout of 4·max(1, log10 N) s; scalecube disseminates in 2.2 s at 5 nodes and 3.6 s
/// at 200 nodes (300 ms gossip, 1 % loss).
struct MeshBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh", abstract: "Mesh convergence after heal and failure detection, vs memberlist/scalecube figures.")

    @OptionGroup var options: BenchOptions

    @Option(help: "Comma-separated group sizes (default 5,20,50; --quick: 5).")
    var sizes: String?

    struct Failure: Error, CustomStringConvertible { var description: String }

    func run() async throws {
        let sizes = try sizes.map { text in
            try text.split(separator: ",").map { part -> Int in
                guard let n = Int(part), (3...200).contains(n) else { throw Failure(description: "sizes must be integers in 3...200") }
                return n
            }
        } ?? (options.quick ? [5] : [5, 20, 50])
        var report = BenchReport(bench: "mesh", params: [
            "sizes": sizes.map(String.init).joined(separator: ","), "probe_ms": "200", "anti_entropy_ms": "100",
            "transport": "TCP loopback, signed handshake",
        ])
        print(BenchReport.header)
        for n in sizes {
            let result = try await measure(nodes: n)
            let scalecube = n <= 5 ? 2.2 : 3.6
            report.add(BenchMetric(
                "convergence_after_heal_n\(n)", result.convergence, unit: "s",
                anchor: n <= 5 ? "scalecube 5 nodes" : "scalecube 200 nodes", anchorValue: scalecube,
                target: nil, lowerIsBetter: true))
            if n == 50 { report.add(BenchMetric("convergence_after_heal_n50_goal", result.convergence, unit: "s", target: 3, lowerIsBetter: true)) }
            let memberlist = 1 + 4 * max(1, log10(Double(n)))
            report.add(BenchMetric(
                "failure_detection_n\(n)", result.detection, unit: "s", anchor: "memberlist 1s+4·log10N s",
                anchorValue: memberlist, lowerIsBetter: true))
        }
        if let json = options.json { try report.write(to: json) }
    }

    /// Starts `nodes` nodes, cuts the last off, writes on both sides, heals, and times until every
    /// exported snapshot is equal; then kills one node and times until every survivor holds it dead.
    private func measure(nodes count: Int) async throws -> (convergence: Double, detection: Double) {
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
        // Joined: every node knows every other and holds none of them dead (suspicion may flicker
        // on a loaded machine; SWIM refutes it).
        func allKnown(_ indices: [Int]) async -> Bool {
            for i in indices {
                let members = await nodes[i].members
                for j in indices where j != i {
                    guard let status = members[ids[j]], status != .dead else { return false }
                }
            }
            return true
        }
        let joinStarted = Date()
        guard try await waitUntil(seconds: 120, { await allKnown(Array(nodes.indices)) }) else {
            throw Failure(description: "\(count) nodes did not all learn of each other within 120 s")
        }
        FileHandle.standardError.write(Data("n=\(count): joined in \(String(format: "%.1f", Date().timeIntervalSince(joinStarted))) s\n".utf8))
        let cut = nodes[count - 1]
        await cut.isolate(true)
        try nodes[0].snapshots.set("bench.left", .string("L"))
        try cut.snapshots.set("bench.right", .string("R"))
        try cut.snapshots.set("local_only.bench", .string("private"))
        try await Task.sleep(for: .milliseconds(300))
        let started = Date()
        await cut.isolate(false)
        let converged = try await waitUntil(seconds: 60) {
            let first = try nodes[0].snapshots.snapshot().exported()
            guard first["bench.left"] != nil, first["bench.right"] != nil else { return false }
            for node in nodes.dropFirst() where try node.snapshots.snapshot().exported() != first { return false }
            return true
        }
        let convergence = Date().timeIntervalSince(started)
        guard converged else { throw Failure(description: "\(count) nodes did not converge within 60 s of the heal") }
        for node in nodes.dropLast() where try node.snapshots.value("local_only.bench") != nil {
            throw Failure(description: "a local_only key left its device")
        }
        guard try cut.snapshots.value("local_only.bench") == .string("private") else {
            throw Failure(description: "the local_only key was overwritten")
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
        return (convergence, detection)
    }

    private func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
