import ArgumentParser
import HiveCore

/// `hive keys …`: the device identity.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and inspect this device's Ed25519 identity.",
        subcommands: [Init.self, Show.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the node key (mode 0600) if it does not exist.")

        @Option(help: "Key directory (default: $HIVE_HOME/keys, HIVE_HOME defaults to ~/.hive).")
        var path: String?

        func run() throws {
            let file = KeyFile(directory: path ?? HivePaths.keys)
            if file.exists {
                let identity = try file.load()
                print("key exists: \(file.path)")
                print("node id:    \(identity.nodeID)")
                return
            }
            let identity = try file.create()
            print("created:    \(file.path) (mode 0600)")
            print("node id:    \(identity.nodeID)")
            print("public key: \(identity.publicKeyHex)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print node id, twin id and public key (never the private key).")

        @Option(help: "Key directory (default: $HIVE_HOME/keys).")
        var path: String?

        @Option(help: "User whose twin id to derive (default: $USER).")
        var user: String?

        func run() throws {
            let file = KeyFile(directory: path ?? HivePaths.keys)
            let identity = try file.load()
            let twin = try identity.twin(forUser: user ?? HivePaths.defaultUser)
            print("node id:    \(identity.nodeID)")
            print("twin id:    \(twin.twinID) (user \(twin.userID))")
            print("public key: \(identity.publicKeyHex)")
        }
    }
}
