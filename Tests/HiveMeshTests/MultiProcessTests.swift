import Foundation
import HiveCore
import HiveTestSupport
import Testing

@testable import HiveMesh

/// Real `hive mesh join` processes on loopback TCP, driven through the CLI.
@Suite("Mesh processes", .serialized)
struct MultiProcessTests {
    /// One `hive mesh join` process with its own key, store and status file.
    final class Node: @unchecked Sendable {
        // Invariant: `process` is only touched from the test's task; `Process` itself is thread-safe for kill/wait.
        let directory: String
        let process: TestProcess
        private(set) var nodeID = ""
        private(set) var listen = ""

        init(hive: String, base: String, index: Int, seed: String?, size: Int) throws {
            directory = (base as NSString).appendingPathComponent("n\(index)")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            process = try TestProcess(
                hive,
                [
                    "mesh", "join", "--dir", directory, "--keys", directory + "/keys", "--user", "u\(index)",
                    "--listen", "127.0.0.1:0", "--peers", seed ?? "", "--expected-size", String(size),
                    "--probe-ms", "100", "--ack-timeout-ms", "50", "--anti-entropy-ms", "50", "--status-interval-ms", "50",
                ],
                standardError: .discard)
            // First line: "node ID listening on HOST:PORT".
            let line = process.readLine(before: Date().addingTimeInterval(20)) ?? ""
            let words = line.split(separator: " ")
            guard words.count >= 5, words[0] == "node", words[2] == "listening" else {
                process.terminate()
                throw HiveError(.unavailable, "hive mesh join did not report its address: \(line)")
            }
            nodeID = String(words[1])
            listen = String(words[4])
            process.discardFurtherOutput()
        }

        var status: MeshStatus? {
            guard let data = FileManager.default.contents(atPath: directory + "/status.json") else { return nil }
            return try? HiveJSON.decode(MeshStatus.self, from: data)
        }

        func kill() { process.kill() }

        /// Runs `hive mesh ARGS --dir DIR` and returns its output; throws on a non-zero exit.
        func cli(_ hive: String, _ arguments: [String]) throws -> String {
            let result = try TestProcess.run(hive, ["mesh"] + arguments + ["--dir", directory, "--keys", directory + "/keys"])
            guard result.status == 0 else {
                throw HiveError(.io, "hive mesh \(arguments.joined(separator: " ")) exited \(result.status): \(result.output)")
            }
            return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test("processes: partition, write both sides, heal, converge with local_only kept; SIGKILL the leader, SWIM detects it, a new leader takes a higher term, never two per term")
    func processes() async throws {
        let hive = try BuiltExecutable.path("hive")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hive-mesh-proc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let size = 3
        var nodes: [Node] = []
        defer { for node in nodes { node.kill() } }
        nodes.append(try Node(hive: hive, base: base, index: 0, seed: nil, size: size))
        for index in 1..<size { nodes.append(try Node(hive: hive, base: base, index: index, seed: nodes[0].listen, size: size)) }
        let ids = nodes.map(\.nodeID)

        // Leaders seen per term, across every status file read during the test.
        var leadersByTerm: [UInt64: Set<String>] = [:]
        func observe(_ indices: [Int]) -> [MeshStatus] {
            let statuses = indices.compactMap { nodes[$0].status }
            for status in statuses where status.isLeader { leadersByTerm[status.term, default: []].insert(status.nodeID) }
            return statuses
        }
        func joined(_ indices: [Int]) -> Bool {
            let statuses = observe(indices)
            guard statuses.count == indices.count else { return false }
            return statuses.allSatisfy { status in
                indices.map { ids[$0] }.filter { $0 != status.nodeID }.allSatisfy { id in
                    status.peers.contains { $0.nodeID == id && $0.status == .alive }
                }
            }
        }
        #expect(await eventually(20) { joined(Array(0..<size)) })
        let firstLeader = ids.min()!
        #expect(await eventually(10) { observe(Array(0..<size)).allSatisfy { $0.leader == firstLeader } })

        // Partition node 2, write on both sides (and a device-private key on each), heal.
        let (a, c) = (nodes[0], nodes[2])
        _ = try c.cli(hive, ["isolate", "on"])
        _ = try a.cli(hive, ["set", "shared.a", "\"from a\""])
        _ = try c.cli(hive, ["set", "shared.c", "{\"n\":3}"])
        _ = try a.cli(hive, ["set", "local_only.secret", "\"a private\""])
        _ = try c.cli(hive, ["set", "local_only.secret", "\"c private\""])
        try await Task.sleep(for: .milliseconds(300))
        #expect(try c.cli(hive, ["get", "shared.a"]) == "null")  // really cut off
        #expect(a.status?.snapshotDigest != c.status?.snapshotDigest)
        _ = try c.cli(hive, ["isolate", "off"])
        let converged = await eventually(15) {
            let digests = observe(Array(0..<size)).map(\.snapshotDigest)
            return digests.count == size && Set(digests).count == 1
        }
        #expect(converged)
        for node in nodes {
            #expect(try node.cli(hive, ["get", "shared.a"]) == "\"from a\"")
            #expect(try node.cli(hive, ["get", "shared.c"]) == "{\"n\":3}")
        }
        #expect(try a.cli(hive, ["get", "local_only.secret"]) == "\"a private\"")
        #expect(try c.cli(hive, ["get", "local_only.secret"]) == "\"c private\"")
        #expect(try nodes[1].cli(hive, ["get", "local_only.secret"]) == "null")

        // SIGKILL the leader: the survivors hold it dead (SWIM) and elect the next-smallest id in a higher term.
        let leaderIndex = try #require(ids.firstIndex(of: firstLeader))
        let oldTerm = try #require(nodes[leaderIndex].status?.term)
        nodes[leaderIndex].kill()
        let survivors = (0..<size).filter { $0 != leaderIndex }
        let next = survivors.map { ids[$0] }.min()!
        let started = Date()
        #expect(await eventually(15) {
            observe(survivors).allSatisfy { status in status.peers.contains { $0.nodeID == firstLeader && $0.status == .dead } }
        })
        #expect(await eventually(15) {
            let statuses = observe(survivors)
            return statuses.count == survivors.count && statuses.allSatisfy { $0.leader == next && $0.term > oldTerm }
        })
        let failover = Date().timeIntervalSince(started)
        #expect(failover < 10)
        for (term, leaders) in leadersByTerm { #expect(leaders.count == 1, "term \(term) had leaders \(leaders)") }
        #expect(leadersByTerm.values.contains { $0.contains(next) })
    }

    @Test("control requests to a node that is not running fail with a specific error")
    func noNode() throws {
        let hive = try BuiltExecutable.path("hive")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hive-mesh-none-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let result = try TestProcess.run(hive, ["mesh", "set", "k", "1", "--dir", base, "--keys", base + "/keys", "--timeout", "0.3"])
        #expect(result.status != 0)
        #expect(result.output.contains("no answer from the node"))
    }
}
