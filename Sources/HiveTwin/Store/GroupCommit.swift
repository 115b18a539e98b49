import Dispatch
import HiveCore
import Synchronization

/// Group commit: concurrent callers that each write one record share transactions.
///
/// With `synchronous = FULL` every commit waits for an fsync of the WAL, so one record per
/// transaction is bounded by the disk's fsync latency no matter how fast the rest is. Here each
/// caller queues its record; the first caller to find no commit in progress becomes the leader,
/// takes everything queued (up to ``maxBatch``), commits it in one transaction and hands each
/// waiter its own result. Every caller still returns only after the transaction holding its record
/// has committed (with the store's durability), so per-call durability is unchanged; what is
/// shared is the fsync. A single caller sees no batching and no added latency.
///
/// If a shared transaction fails, its records are retried one per transaction, so one caller's
/// failure never becomes another's. Leadership passes to the oldest waiter after each batch, so
/// no caller commits other callers' records for more than one batch.
final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    /// One queued call. `@unchecked Sendable`: `outcome` is written once by the leader before
    /// `signal()` and read by the owner only after `wait()` returns (the semaphore orders them).
    private final class Waiter: @unchecked Sendable {
        enum Outcome {
            case done(Result<Output, any Error>)
            case lead
        }
        let item: Item
        let semaphore = DispatchSemaphore(value: 0)
        var outcome: Outcome?
        init(_ item: Item) { self.item = item }
    }

    private struct Queue {
        var waiting: [Waiter] = []
        var leading = false
    }

    private let queue = Mutex(Queue())
    /// Largest number of records in one shared transaction.
    let maxBatch: Int

    init(maxBatch: Int) {
        self.maxBatch = max(1, maxBatch)
    }

    /// Commits `item`, possibly together with other callers' items; returns its output once the
    /// transaction that holds it has committed. `commit` writes a batch all-or-none and returns one
    /// output per item, in order.
    func submit(_ item: Item, commit: ([Item]) throws -> [Output]) throws -> Output {
        let waiter = Waiter(item)
        let leads = queue.withLock { queue -> Bool in
            queue.waiting.append(waiter)
            if queue.leading { return false }
            queue.leading = true
            return true
        }
        if !leads {
            waiter.semaphore.wait()
            switch waiter.outcome {
            case .done(let result)?: return try result.get()
            case .lead?: break
            case nil: throw HiveError(.inconsistent, "group commit woke a caller without a result")
            }
        }
        return try lead(waiter, commit: commit)
    }

    /// Runs one batch as leader (the leader's own item is the oldest queued), then passes the lead on.
    private func lead(_ leader: Waiter, commit: ([Item]) throws -> [Output]) throws -> Output {
        let batch = queue.withLock { queue -> [Waiter] in
            let batch = Array(queue.waiting.prefix(maxBatch))
            queue.waiting.removeFirst(batch.count)
            return batch
        }
        var results: [Result<Output, any Error>]
        do {
            let outputs = try commit(batch.map(\.item))
            guard outputs.count == batch.count else {
                throw HiveError(.inconsistent, "group commit got \(outputs.count) results for \(batch.count) records")
            }
            results = outputs.map { .success($0) }
        } catch {
            results = batch.count == 1
                ? [.failure(error)]
                : batch.map { waiter in
                    Result {
                        let outputs = try commit([waiter.item])
                        guard let output = outputs.first else { throw HiveError(.inconsistent, "group commit got no result") }
                        return output
                    }
                }
        }
        // Hand the lead to the oldest waiter (if any) before waking this batch's callers.
        let next = queue.withLock { queue -> Waiter? in
            guard let next = queue.waiting.first else {
                queue.leading = false
                return nil
            }
            return next
        }
        if let next {
            next.outcome = .lead
            next.semaphore.signal()
        }
        var own: Result<Output, any Error> = .failure(HiveError(.inconsistent, "group commit lost the leader's record"))
        for (waiter, result) in zip(batch, results) {
            if waiter === leader {
                own = result
            } else {
                waiter.outcome = .done(result)
                waiter.semaphore.signal()
            }
        }
        return try own.get()
    }
}
