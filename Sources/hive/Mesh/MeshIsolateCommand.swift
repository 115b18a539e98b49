import ArgumentParser
import Foundation
import HiveCore

/// `hive mesh isolate on|off`: a partition drill on the running node.
struct MeshIsolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isolate", abstract: "Cut the running node off the mesh (on) or reconnect it (off): a partition drill.")

    enum Mode: String, ExpressibleByArgument { case on, off }

    @OptionGroup var location: MeshLocation

    @Argument(help: "on or off.")
    var mode: Mode

    @Option(help: "Seconds to wait for the node's answer.")
    var timeout = 5.0

    func run() throws {
        let result = try MeshControl.submit(
            MeshControlRequest(op: mode == .on ? .isolate : .heal), meshDirectory: location.directory, timeoutSeconds: timeout)
        guard result.ok else { throw HiveError(.invalidInput, result.error ?? "the node refused") }
        print(mode == .on ? "isolated" : "healed")
    }
}
