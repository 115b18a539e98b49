// Writes batches to a twin store until it is killed; the crash-safety tests SIGKILL it mid-batch.
//
// usage: twin-crash-writer DB_PATH KEY_DIR BATCH_SIZE [snapshot|patterns]
// snapshot: each batch is one write transaction holding BATCH_SIZE snapshot writes, each with its
// signed envelope in the outbox. patterns: each batch stores BATCH_SIZE ReasoningBank patterns
// (random 32-d vectors), each with its envelope. After each commit it prints
// `committed <batch> <envelope id>...`.
import Foundation
import HiveCore
import HiveTwin

let arguments = CommandLine.arguments
guard arguments.count >= 4, let batchSize = Int(arguments[3]), batchSize > 0,
    arguments.count == 4 || ["snapshot", "patterns"].contains(arguments[4])
else {
    FileHandle.standardError.write(Data("usage: twin-crash-writer DB_PATH KEY_DIR BATCH_SIZE [snapshot|patterns]\n".utf8))
    exit(2)
}
let mode = arguments.count > 4 ? arguments[4] : "snapshot"
do {
    let identity = try KeyFile(directory: arguments[2]).loadOrCreate()
    var configuration = TwinStoreConfiguration()
    configuration.durability = .full
    let store = try TwinStore(path: arguments[1], identity: identity, userID: "crash", configuration: configuration)
    let snapshots = SnapshotStore(store: store)
    let outbox = OfflineEnvelopeStore(store: store)
    let run = getpid()  // keys differ between runs on the same file
    let bank = try ReasoningBank(store: store, space: EmbeddingSpace(modelID: "crash/random-32", dimensions: 32))
    var random = SystemRandomNumberGenerator()
    var batch = 0
    while true {
        if mode == "patterns" {
            let drafts = (0..<batchSize).map { item in
                (
                    PatternDraft(taskType: .preference, approach: "r\(run) b\(batch) p\(item)"),
                    (0..<32).map { _ in Float.random(in: -1...1, using: &random) }
                )
            }
            let patterns = try bank.storePatterns(drafts, outbox: outbox)
            // The envelope id is the payload's hash, so re-signing yields the id the outbox holds.
            let ids = try patterns.map {
                try SignedEnvelope.sign($0, kind: .pattern, stamp: $0.stamp, identity: identity).id
            }
            FileHandle.standardOutput.write(Data(("committed \(batch) " + ids.joined(separator: " ") + "\n").utf8))
            batch += 1
            continue
        }
        let ids = try store.write { db -> [String] in
            var ids: [String] = []
            for item in 0..<batchSize {
                let entry = try snapshots.set("r\(run).b\(batch).\(item)", .number(Double(item)), in: db)
                let envelope = try SignedEnvelope.sign(
                    SnapshotDiff(entries: [entry], cursor: 0), kind: .snapshotDiff, stamp: entry.stamp, identity: identity)
                try outbox.enqueue(envelope, in: db)
                ids.append(envelope.id)
            }
            return ids
        }
        // Unbuffered: the line is out before the next transaction begins.
        FileHandle.standardOutput.write(Data(("committed \(batch) " + ids.joined(separator: " ") + "\n").utf8))
        batch += 1
    }
} catch {
    FileHandle.standardError.write(Data("twin-crash-writer: \(error)\n".utf8))
    exit(1)
}
