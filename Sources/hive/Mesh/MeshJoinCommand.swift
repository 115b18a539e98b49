import ArgumentParser
import Foundation
import HiveCore
import HiveMesh
import HiveTwin

/// `hive mesh join`: run this twin as a mesh node until interrupted.
struct MeshJoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Listen for peers, dial seeds, and reconcile until interrupted.")

    @OptionGroup var location: MeshLocation

    @Option(help: "Address to listen on (host:port; port 0 picks one).")
    var listen = "127.0.0.1:7400"

    @Option(help: "Comma-separated seed peers (host:port,...).")
    var peers = ""

    @Option(help: "Votes needed before a verdict is decided.")
    var quorum = 3

    @Option(help: "Share of votes the winning verdict needs (0.5 < t ≤ 1).")
    var threshold = 0.66

    @Option(help: "File of subjects the hub blocklisted (SHA-256 hex, one per line); merged into the mesh blocklist.")
    var hubBlocklist: String?

    @Option(help: "Configured group size for leader majorities (0: the members known).")
    var expectedSize = 0

    @Option(help: "SWIM probe period in ms.")
    var probeMs: UInt64 = 200

    @Option(help: "SWIM direct-ack timeout in ms (less than the probe period).")
    var ackTimeoutMs: UInt64 = 100

    @Option(help: "Anti-entropy period in ms.")
    var antiEntropyMs: UInt64 = 100

    @Flag(help: "Find peers on the LAN by signed UDP multicast beacons (off by default).")
    var discover = false

    @Option(help: "Discovery multicast group (IPv4).")
    var discoveryGroup = "239.255.72.73"

    @Option(help: "Discovery UDP port.")
    var discoveryPort = 47_946

    @Option(help: "Address of the interface to send and receive beacons on (default: the system's choice).")
    var discoveryInterface: String?

    @Option(help: "Mesh name carried in beacons; beacons of other clusters are ignored.")
    var cluster = "hive"

    @Option(help: "How often the status file is written and control requests are served, in ms.")
    var statusIntervalMs: UInt64 = 1_000

    @Option(help: "Stop after this many seconds (default: run until interrupted).")
    var seconds: Double?

    func validate() throws {
        guard probeMs >= 20, ackTimeoutMs >= 5, ackTimeoutMs < probeMs else {
            throw ValidationError("--probe-ms must be ≥ 20 and --ack-timeout-ms between 5 and the probe period")
        }
        guard antiEntropyMs >= 10, statusIntervalMs >= 20 else {
            throw ValidationError("--anti-entropy-ms must be ≥ 10 and --status-interval-ms ≥ 20")
        }
        guard (0...10_000).contains(expectedSize), (1...65_535).contains(discoveryPort) else {
            throw ValidationError("--expected-size must be in 0...10000 and --discovery-port in 1...65535")
        }
    }

    func run() async throws {
        var configuration = MeshNodeConfiguration(
            listen: try MeshAddress(parsing: listen),
            seeds: try peers.split(separator: ",").map { try MeshAddress(parsing: String($0).trimmingCharacters(in: .whitespaces)) })
        configuration.quorum = quorum
        configuration.threshold = threshold
        configuration.expectedClusterSize = expectedSize
        if let hubBlocklist { configuration.hubBlocklist = try Self.readBlocklist(hubBlocklist) }
        configuration.swim.probeIntervalMs = probeMs
        configuration.swim.ackTimeoutMs = ackTimeoutMs
        configuration.antiEntropyIntervalMs = antiEntropyMs
        if discover {
            var discovery = MeshDiscoveryConfiguration(cluster: cluster, interface: discoveryInterface)
            discovery.group = discoveryGroup
            discovery.port = discoveryPort
            configuration.discovery = discovery
        }
        let store = try location.openStore()
        let node = try MeshNode(store: store, configuration: configuration)
        let bound = try await node.start()
        Self.say("node \(node.nodeID) listening on \(bound)\(discover ? " (LAN discovery on \(discoveryGroup):\(discoveryPort))" : "")")
        let statusPath = location.statusPath
        let directory = location.directory
        let interval = statusIntervalMs
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await node.run() }
            group.addTask {
                var last = ""
                while !Task.isCancelled {
                    await MeshControl.serve(node: node, meshDirectory: directory)
                    let status = await node.status()
                    let data = try HiveJSON.encode(status)
                    try data.write(to: URL(fileURLWithPath: statusPath), options: .atomic)  // readers never see it missing
                    let line = "peers \(status.peers.filter { $0.status == .alive }.count) alive, term \(status.term), leader \(status.leader ?? "-")"
                    if line != last { Self.say(line) }
                    last = line
                    try await Task.sleep(for: .milliseconds(Int64(interval)))
                }
            }
            if let seconds {
                group.addTask { try await Task.sleep(for: .seconds(seconds)) }
                try await group.next()
                group.cancelAll()
            } else {
                try await group.next()
            }
        }
    }

    /// Reads a blocklist file: one subject (64 hex digits) per line; blank lines and `#` comments skipped.
    static func readBlocklist(_ path: String) throws -> Set<String> {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int, size <= 16 << 20, let data = FileManager.default.contents(atPath: path)
        else { throw HiveError(.invalidInput, "cannot read blocklist \(path) (missing, unreadable or over 16 MiB)") }
        var subjects: Set<String> = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            do {
                try MeshVote.validate(subject: text)
            } catch {
                throw HiveError(.invalidInput, "blocklist \(path) line \(number + 1): not a 64-hex-digit subject")
            }
            subjects.insert(text)
        }
        return subjects
    }

    /// Prints a line unbuffered, so a supervisor reading a pipe sees the bound address at once.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
