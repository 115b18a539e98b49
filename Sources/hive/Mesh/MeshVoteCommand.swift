import ArgumentParser
import Foundation
import HiveCore
import HiveMesh
import HiveTwin

/// `hive mesh vote SUBJECT VERDICT`: sign a vote and queue it; the running node gossips it.
struct MeshVoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote", abstract: "Vote on a subject (a URL or its SHA-256 hex): malicious or benign.")

    @OptionGroup var location: MeshLocation

    @Argument(help: "A URL (hashed with SHA-256) or 64 hex digits.")
    var subject: String

    @Argument(help: "malicious or benign.")
    var verdict: MeshVote.Verdict

    func run() throws {
        let isHash = (try? MeshVote.validate(subject: subject)) != nil
        let hashed = isHash ? subject : MeshVote.subject(forURL: subject)
        let store = try location.openStore()
        let envelope = try MeshVote.cast(verdict, on: hashed, by: store.identity, stamp: store.clock.now())
        try OfflineEnvelopeStore(store: store).enqueue(envelope)
        print("queued vote \(envelope.id.prefix(16))… on \(hashed) (\(verdict.rawValue)) by \(store.identity.nodeID)")
    }
}
