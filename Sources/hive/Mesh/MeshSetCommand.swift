import ArgumentParser
import Foundation
import HiveCore

/// `hive mesh set KEY VALUE`: write a snapshot key through the running node.
struct MeshSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set a snapshot key on the running node (VALUE is JSON; bare text is taken as a string).")

    @OptionGroup var location: MeshLocation

    @Argument(help: "Snapshot key (keys under local_only. never leave this device).")
    var key: String

    @Argument(help: "JSON value, e.g. 42, \"text\", {\"a\":1}; anything that is not JSON is stored as a string.")
    var value: String

    @Option(help: "Seconds to wait for the node's answer.")
    var timeout = 5.0

    func run() throws {
        let parsed = (try? HiveJSON.decode(JSONValue.self, from: Data(value.utf8))) ?? .string(value)
        let result = try MeshControl.submit(
            MeshControlRequest(op: .set, key: key, value: parsed), meshDirectory: location.directory, timeoutSeconds: timeout)
        guard result.ok else { throw HiveError(.invalidInput, result.error ?? "the node refused") }
        print("set \(key)")
    }
}
