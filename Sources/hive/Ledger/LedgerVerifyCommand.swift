import ArgumentParser
import Foundation
import HiveCore
import HiveLedger
import HiveLedgerStorage

/// `hive ledger verify [--data DIR | --database URL]`: recompute the tree from storage, check
/// every stored tree head, name the first bad entry.
struct LedgerVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the ledger from its entries and check every stored hash and signed tree head.",
        discussion: "Exits 0 and prints a summary when the ledger is intact; otherwise prints one line naming the first bad entry and exits 1."
    )

    @Option(name: .customLong("data"), help: "Hub data directory holding hub.sqlite.")
    var dataDirectory: String?

    @Option(name: .customLong("database"), help: "PostgreSQL URL of the hub's database (postgres://user@host:port/db).")
    var databaseURL: String?

    @Option(name: .customLong("public-key"), help: "Hex Ed25519 public key every tree head must be signed by (default: each head's own key).")
    var publicKeyHex: String?

    func validate() throws {
        guard (dataDirectory == nil) != (databaseURL == nil) else {
            throw ValidationError("give exactly one of --data DIR or --database URL")
        }
    }

    func run() async throws {
        do {
            let key = try publicKeyHex.map(Self.parseKey)
            let report: LedgerAuditReport
            if let dataDirectory {
                report = try await LedgerVerification.audit(dataDirectory: dataDirectory, publicKey: key)
            } else if let databaseURL {
                report = try await LedgerVerification.audit(databaseURL: databaseURL, publicKey: key)
            } else {
                throw ValidationError("give exactly one of --data DIR or --database URL")
            }
            print("ledger ok: \(report.entries) entries, \(report.interiorNodes) subtree hashes, \(report.treeHeads) signed tree heads; root \(report.rootHash.hex)")
        } catch let error as HiveError {
            FileHandle.standardError.write(Data("ledger verify failed: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func parseKey(_ hex: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chars = Array(hex.utf8)[...]
        while chars.count >= 2, let byte = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(byte)
            chars = chars.dropFirst(2)
        }
        guard chars.isEmpty, bytes.count == 32 else {
            throw HiveError(.invalidInput, "--public-key must be 64 hex characters (a raw Ed25519 public key)")
        }
        return bytes
    }
}
