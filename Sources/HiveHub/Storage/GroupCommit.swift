import HiveCore
import Synchronization

/// Group commit: requests that arrive while a batch is being written wait and go together into
/// the next one, so concurrent syncs share one transaction (one WAL commit, one ledger append,
/// one signed tree head) instead of queueing for one each.
///
/// There is no background task. The first caller becomes the leader and writes a batch of its own
/// request plus everything waiting; when it is done, it resumes the waiters with their answers and
/// hands leadership to the oldest request that arrived meanwhile, which writes the next batch.
/// Each request's answer comes back only after the batch holding it committed. A batch that
/// throws as a whole (the commit failed) fails every request in it; `run` reports per-request
/// failures (one request's bad input) without failing the others.
///
/// With `maxInFlight` above 1 up to that many leaders write batches at once (pipelining): while one
/// batch waits on its database round trips or its commit, the next is already being written. Only
/// for a `run` that is safe to call concurrently (on PostgreSQL each batch is its own transaction
/// and the database orders them like the batches of two replicas). Both stores use 1: on
/// PostgreSQL two in flight measured no better (docs/benchmarks.md, issue 12 fifth pass).
final class GroupCommit<Request: Sendable, Response: Sendable>: Sendable {
    typealias Run = @Sendable ([Request]) async throws -> [Result<Response, any Error>]

    private enum Signal: Sendable {
        case lead
        case done(Response)
    }

    private struct Waiter: Sendable {
        var request: Request
        var continuation: CheckedContinuation<Signal, any Error>
    }

    private struct State: Sendable {
        /// Leaders writing a batch now (at most `maxInFlight`).
        var leaders = 0
        var waiting: [Waiter] = []
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let maxInFlight: Int
    private let maxWeight: Int
    private let weight: @Sendable (Request) -> Int
    private let run: Run

    /// A batch holds at most `maxBatch` requests and, beyond its leader's own, only requests that
    /// keep the sum of `weight` within `maxWeight` (so a batch stays within per-transaction limits).
    /// At most `maxInFlight` batches are written at once.
    init(
        maxBatch: Int, maxInFlight: Int = 1, maxWeight: Int = .max, weight: @escaping @Sendable (Request) -> Int = { _ in 1 },
        run: @escaping Run
    ) {
        self.maxBatch = max(1, maxBatch)
        self.maxInFlight = max(1, maxInFlight)
        self.maxWeight = maxWeight
        self.weight = weight
        self.run = run
    }

    func submit(_ request: Request) async throws -> Response {
        let leadNow = state.withLock { state -> Bool in
            // Requests already waiting go first: a newcomer leads only when nobody waits.
            guard state.leaders < maxInFlight, state.waiting.isEmpty else { return false }
            state.leaders += 1
            return true
        }
        if !leadNow {
            let signal = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Signal, any Error>) in
                let queued = state.withLock { state -> Bool in
                    // A leader may have finished since the check above: then this caller leads.
                    guard state.leaders >= maxInFlight || !state.waiting.isEmpty else {
                        state.leaders += 1
                        return false
                    }
                    state.waiting.append(Waiter(request: request, continuation: continuation))
                    return true
                }
                if !queued { continuation.resume(returning: .lead) }
            }
            if case .done(let response) = signal { return response }
        }
        return try await lead(request)
    }

    /// Writes one batch (`own` plus whoever is waiting, up to `maxBatch`), answers the waiters,
    /// hands leadership on and returns `own`'s answer.
    private func lead(_ own: Request) async throws -> Response {
        let others = state.withLock { state -> [Waiter] in
            var total = weight(own)
            var count = 0
            for waiter in state.waiting.prefix(maxBatch - 1) {
                let next = weight(waiter.request)
                guard next <= maxWeight - total else { break }
                total += next
                count += 1
            }
            let taken = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            return taken
        }
        let outcome: Result<[Result<Response, any Error>], any Error>
        do {
            let results = try await run([own] + others.map(\.request))
            outcome = results.count == others.count + 1
                ? .success(results) : .failure(HiveError(.inconsistent, "group commit: \(results.count) results for \(others.count + 1) requests"))
        } catch {
            outcome = .failure(error)
        }
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.leaders -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        switch outcome {
        case .failure(let error):
            for waiter in others { waiter.continuation.resume(throwing: error) }
            throw error
        case .success(let results):
            for (waiter, result) in zip(others, results.dropFirst()) {
                switch result {
                case .success(let response): waiter.continuation.resume(returning: .done(response))
                case .failure(let error): waiter.continuation.resume(throwing: error)
                }
            }
            return try results[0].get()
        }
    }
}
