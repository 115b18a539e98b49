import ArgumentParser
import Foundation
import HiveCore
import HiveLedger
import HiveLoad

/// `hive ledger consistency --hub URL --before STH.json [--after STH.json]`: checks that the
/// hub's log at a later signed tree head extends an earlier one (RFC 9162 consistency proof
/// fetched from the hub, verified here), and that both heads are signed by the same key.
struct LedgerConsistencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Verify that the hub's current (or a given later) tree head extends an earlier signed tree head.",
        discussion: "Exits 0 printing both sizes when the proof verifies; otherwise prints why and exits 1.")

    @Option(help: "Hub base URL.") var hub: String
    @Option(help: "The earlier signed tree head (JSON as GET /api/v1/ledger/sth returns it).") var before: String
    @Option(help: "The later tree head (JSON); default: the hub's current one.") var after: String?
    @Option(name: .customLong("public-key"), help: "Hex Ed25519 key both heads must be signed by (default: the earlier head's key).")
    var publicKeyHex: String?
    @Flag(help: "Allow a non-loopback hub.") var allowRemote = false

    func run() async throws {
        let http = LoadHTTP(baseURL: hub, connections: 1)
        do {
            try LoadTarget.checkLoopback(hub, allowRemote: allowRemote)
            let first = try Self.readHead(before)
            let second: SignedTreeHead
            if let after {
                second = try Self.readHead(after)
            } else {
                second = try await Self.fetch(SignedTreeHead.self, http, "/api/v1/ledger/sth")
            }
            let key = try publicKeyHex.map(LedgerVerifyCommand.parseKey) ?? first.signerKey
            try first.check(publicKey: key)
            try second.check(publicKey: key)
            guard first.treeSize <= second.treeSize else {
                throw HiveError(.inconsistent, "the later head has \(second.treeSize) entries, fewer than the earlier \(first.treeSize)")
            }
            let proof = try await Self.fetch(
                ConsistencyProof.self, http, "/api/v1/ledger/proof/consistency?first=\(first.treeSize)&second=\(second.treeSize)")
            guard proof.firstSize == first.treeSize, proof.secondSize == second.treeSize else {
                throw HiveError(.inconsistent, "the hub answered a proof for sizes \(proof.firstSize)→\(proof.secondSize)")
            }
            try proof.check(firstRoot: first.rootHash, secondRoot: second.rootHash)
            try await http.shutdown()
            print("consistent: tree of \(first.treeSize) entries is a prefix of the tree of \(second.treeSize) (proof of \(proof.path.count) hashes)")
        } catch let error as HiveError {
            try? await http.shutdown()
            FileHandle.standardError.write(Data("ledger consistency failed: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    static func readHead(_ path: String) throws -> SignedTreeHead {
        guard let data = FileManager.default.contents(atPath: path) else { throw HiveError(.io, "cannot read \(path)") }
        do {
            return try JSONDecoder().decode(SignedTreeHead.self, from: data)
        } catch {
            throw HiveError(.malformed, "\(path) is not a signed tree head: \(HiveJSON.describe(error))")
        }
    }

    static func fetch<T: Decodable>(_ type: T.Type, _ http: LoadHTTP, _ path: String) async throws -> T {
        let reply = try await http.send(.GET, path)
        guard reply.status == 200 else {
            throw HiveError(.unavailable, "GET \(path) answered \(reply.status): \(String(decoding: reply.body.readableBytesView.prefix(200), as: UTF8.self))")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(reply.body.readableBytesView))
        } catch {
            throw HiveError(.malformed, "GET \(path): \(HiveJSON.describe(error))")
        }
    }
}
