import Synchronization

/// Wakes SSE streams when the publication feed may have grown, so they read it at once instead
/// of polling. Stores raise it after a commit that appended to the feed: SQLite in-process (a
/// GRDB commit observer), PostgreSQL through LISTEN/NOTIFY, so an event written through one
/// replica wakes the streams of every replica.
///
/// A generation counter closes the lost-wake-up window: a stream notes ``generation`` before it
/// reads the feed and waits only if nothing was signalled since.
public final class FeedSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they registered (their registration must not suspend).
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Bumped by every ``notify()``.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiting stream.
    public func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``generation`` differs from `seen`, after `timeout`, or when the task is
    /// cancelled — whichever comes first.
    public func wait(after seen: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForChange(after: seen) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForChange(after seen: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.generation != seen || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                let waiter = state.waiters.removeValue(forKey: id)
                if waiter == nil { state.cancelled.insert(id) }
                return waiter
            }
            waiter?.resume()
        }
    }
}

/// A store whose commits raise a ``FeedSignal`` when they append to the feed.
public protocol FeedSignalling: Sendable {
    var feedSignal: FeedSignal { get }
}
