import ArgumentParser

/// `hive bench NAME [--quick] [--json PATH]`: the benchmarks, one subcommand each.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark; prints a table and, with --json, writes the benchmark contract.",
        subcommands: [AggregateBench.self, RecommenderBench.self, RecsysBench.self, VectorsBench.self, LedgerBench.self, EmbedBench.self, TwinBench.self, HubBench.self, MeshBench.self, SyncBench.self, FederationBench.self]
    )
}

/// Options every benchmark accepts.
struct BenchOptions: ParsableArguments {
    @Flag(help: "Reduced sizes for CI smoke runs.")
    var quick = false

    @Option(help: "Write the benchmark-contract JSON to this path.")
    var json: String?
}
