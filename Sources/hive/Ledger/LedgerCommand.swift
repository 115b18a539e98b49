import ArgumentParser

/// `hive ledger …`: inspect and audit the hub's transparency log.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Inspect and audit the hub's transparency log (RFC 9162 Merkle tree).",
        subcommands: [LedgerVerifyCommand.self, LedgerConsistencyCommand.self]
    )
}
