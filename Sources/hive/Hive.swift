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
            KeysCommand.self, BenchCommand.self, LedgerCommand.self, ModelCommand.self, EmbedCommand.self, ServeCommand.self,
            TwinCommand.self,
        ]
    )
}
