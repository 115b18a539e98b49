import ArgumentParser
import Foundation
import HiveMesh

/// `hive mesh status`: leader, term, relay log, verdicts and blocklist of the running node.
struct MeshStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the running node's mesh state.")

    @OptionGroup var location: MeshLocation

    func run() throws {
        let (status, age) = try location.readStatus()
        print("node:        \(status.nodeID) on \(status.listen?.description ?? "-") (status \(String(format: "%.0f", age)) s old)")
        print("term:        \(status.term)  leader: \(status.leader ?? "-")\(status.isLeader ? " (this node)" : "")")
        print("peers:       \(status.peers.filter { $0.status == .alive }.count) alive / \(status.peers.count) known")
        print("relay log:   \(status.relayLogCount) envelopes; hub reachable: \(status.hubReachable)")
        print("refused:     \(status.refusedEnvelopes) envelopes, \(status.refusedHandshakes) handshakes")
        if let accepted = status.beaconsAccepted {
            let refused = (status.beaconsRefused ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            print("discovery:   \(accepted) beacons accepted; refused: \(refused.isEmpty ? "none" : refused.joined(separator: ", "))")
        }
        print("snapshot:    digest \(status.snapshotDigest?.prefix(16) ?? "-")…  local health \(status.awareness ?? 0)")
        for verdict in status.verdicts {
            print("vote \(verdict.subject.prefix(16))…  \(verdict.verdict?.rawValue ?? "undecided")  malicious \(verdict.malicious) benign \(verdict.benign)  voters \(verdict.voters.count)")
        }
        print("blocklist:   \(status.blocklist.count) subjects")
    }
}
