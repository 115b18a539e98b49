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

    @Option(help: "Stop after this many seconds (default: run until interrupted).")
    var seconds: Double?

    func run() async throws {
        var configuration = MeshNodeConfiguration(
            listen: try MeshAddress(parsing: listen),
            seeds: try peers.split(separator: ",").map { try MeshAddress(parsing: String($0).trimmingCharacters(in: .whitespaces)) })
        configuration.quorum = quorum
        configuration.threshold = threshold
        let store = try location.openStore()
        let node = try MeshNode(store: store, configuration: configuration)
        let bound = try await node.start()
        Self.say("node \(node.nodeID) listening on \(bound)")
        let statusPath = location.statusPath
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await node.run() }
            group.addTask {
                var last = ""
                while !Task.isCancelled {
                    let status = await node.status()
                    let data = try HiveJSON.encode(status)
                    try data.write(to: URL(fileURLWithPath: statusPath + ".tmp"))
                    _ = try? FileManager.default.removeItem(atPath: statusPath)
                    try FileManager.default.moveItem(atPath: statusPath + ".tmp", toPath: statusPath)
                    let line = "peers \(status.peers.filter { $0.status == .alive }.count) alive, term \(status.term), leader \(status.leader ?? "-")"
                    if line != last { Self.say(line) }
                    last = line
                    try await Task.sleep(for: .seconds(1))
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

    /// Prints a line unbuffered, so a supervisor reading a pipe sees the bound address at once.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
