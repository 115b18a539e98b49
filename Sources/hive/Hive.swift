import ArgumentParser
import HiveCore

/// The `hive` command-line tool: a thin layer over the Hive libraries.
@main
struct Hive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hive",
        abstract: "Federated, offline-first AI twins.",
        version: HiveVersion.current,
        subcommands: [
            KeysCommand.self, ServeCommand.self, TwinCommand.self, MeshCommand.self, LedgerCommand.self,
            ModelCommand.self, EmbedCommand.self, BenchCommand.self, MCPCommand.self, LoadtestCommand.self,
            SimulateCommand.self,
        ]
    )
}
