import GRDB

/// Raises a ``FeedSignal`` after each committed SQLite transaction that inserted into `feed`
/// (rolled-back ones raise nothing).
// @unchecked Sendable: `inserted` is only touched by GRDB, which calls a transaction observer
// serially on the database's single writer.
final class FeedCommitObserver: TransactionObserver, @unchecked Sendable {
    private let signal: FeedSignal
    private var inserted = false

    init(signal: FeedSignal) { self.signal = signal }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if case .insert(let table) = eventKind { return table == "feed" }
        return false
    }

    func databaseDidChange(with event: DatabaseEvent) { inserted = true }

    func databaseDidCommit(_ db: Database) {
        guard inserted else { return }
        inserted = false
        signal.notify()
    }

    func databaseDidRollback(_ db: Database) { inserted = false }
}
