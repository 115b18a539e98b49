import ArgumentParser

/// `hive model …`: install and inspect the embedding model.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Install and inspect the all-MiniLM-L6-v2 embedding model.",
        subcommands: [ModelInstallCommand.self, ModelInfoCommand.self]
    )
}
