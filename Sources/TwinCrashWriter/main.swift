// Writes batches to a twin store until it is killed; the crash-safety tests SIGKILL it mid-batch.
//
// usage: twin-crash-writer DB_PATH KEY_DIR BATCH_SIZE
// Each batch is one write transaction holding BATCH_SIZE snapshot writes, each with its signed
// envelope in the outbox. After each commit it prints `committed <batch> <envelope id>...`.
import Foundation
import HiveCore
import HiveTwin

let arguments = CommandLine.arguments
guard arguments.count == 4, let batchSize = Int(arguments[3]), batchSize > 0 else {
    FileHandle.standardError.write(Data("usage: twin-crash-writer DB_PATH KEY_DIR BATCH_SIZE\n".utf8))
    exit(2)
}
do {
    let identity = try KeyFile(directory: arguments[2]).loadOrCreate()
    var configuration = TwinStoreConfiguration()
    configuration.durability = .full
    let store = try TwinStore(path: arguments[1], identity: identity, userID: "crash", configuration: configuration)
    let snapshots = SnapshotStore(store: store)
    let outbox = OfflineEnvelopeStore(store: store)
    let run = getpid()  // keys differ between runs on the same file
    var batch = 0
    while true {
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
