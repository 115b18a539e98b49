import ArgumentParser
import Foundation
import HiveCore

/// `hive mesh get KEY`: read a snapshot key through the running node.
struct MeshGetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print a snapshot key of the running node as JSON.")

    @OptionGroup var location: MeshLocation

    @Argument(help: "Snapshot key.")
    var key: String

    @Option(help: "Seconds to wait for the node's answer.")
    var timeout = 5.0

    func run() throws {
        let result = try MeshControl.submit(MeshControlRequest(op: .get, key: key), meshDirectory: location.directory, timeoutSeconds: timeout)
        guard result.ok else { throw HiveError(.invalidInput, result.error ?? "the node refused") }
        print(String(decoding: try HiveJSON.encode(result.value ?? .null), as: UTF8.self))
    }
}
