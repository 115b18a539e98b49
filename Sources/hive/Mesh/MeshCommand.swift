import ArgumentParser
import Foundation
import HiveCore
import HiveMesh
import HiveTwin

/// `hive mesh …`: peer-to-peer reconciliation when the hub is out of reach.
struct MeshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Join the peer mesh, list peers, vote, show status.",
        subcommands: [
            MeshJoinCommand.self, MeshPeersCommand.self, MeshVoteCommand.self, MeshStatusCommand.self, MeshSetCommand.self,
            MeshGetCommand.self, MeshIsolateCommand.self,
        ]
    )
}

/// Options shared by the mesh subcommands: where the key, store and status file live.
struct MeshLocation: ParsableArguments {
    @Option(help: "Key directory (default: $HIVE_HOME/keys).")
    var keys: String?

    @Option(help: "Mesh directory holding the twin store and status file (default: $HIVE_HOME/mesh).")
    var dir: String?

    @Option(help: "User whose twin this is (default: $USER).")
    var user: String?

    var directory: String { dir ?? (HivePaths.home as NSString).appendingPathComponent("mesh") }
    var statusPath: String { (directory as NSString).appendingPathComponent("status.json") }

    func openStore() throws -> TwinStore {
        let identity = try KeyFile(directory: keys ?? HivePaths.keys).loadOrCreate()
        return try TwinStore(
            path: (directory as NSString).appendingPathComponent("twin.sqlite"), identity: identity,
            userID: user ?? HivePaths.defaultUser)
    }

    func readStatus() throws -> (MeshStatus, ageSeconds: Double) {
        guard let data = FileManager.default.contents(atPath: statusPath) else {
            throw HiveError(.notFound, "no mesh status at \(statusPath): is `hive mesh join` running?")
        }
        let status = try HiveJSON.decode(MeshStatus.self, from: data)
        let modified = (try? FileManager.default.attributesOfItem(atPath: statusPath)[.modificationDate] as? Date) ?? Date()
        return (status, Date().timeIntervalSince(modified))
    }
}

extension MeshVote.Verdict: ExpressibleByArgument {}
