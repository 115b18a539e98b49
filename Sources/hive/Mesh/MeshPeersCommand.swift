import ArgumentParser
import Foundation
import HiveMesh

/// `hive mesh peers`: the member list of the running node.
struct MeshPeersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "peers", abstract: "List known peers and their SWIM state.")

    @OptionGroup var location: MeshLocation

    func run() throws {
        let (status, age) = try location.readStatus()
        print("node \(status.nodeID) (status \(String(format: "%.0f", age)) s old)")
        for peer in status.peers {
            let address = peer.address?.description ?? "-"
            print("\(peer.nodeID)  \(address.padding(toLength: 22, withPad: " ", startingAt: 0))  \(peer.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  inc \(peer.incarnation)  \(peer.connected ? "connected" : "-")")
        }
        if status.peers.isEmpty { print("no peers yet") }
    }
}
