import Foundation
import HiveCore
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Server-Sent Events over the hub's feed: `id` is the feed sequence number, so a client that
/// reconnects with `Last-Event-ID` resumes exactly after the last event it saw.
///
/// Storage is the source of truth: a stream reads the feed after its cursor, and when it has
/// caught up it waits on the store's ``FeedSignal`` — raised by commits in this process (SQLite)
/// or by LISTEN/NOTIFY from any replica (PostgreSQL) — re-reading at the latest every
/// `pollInterval` as a safety net (and for stores without a signal). A stream ends on graceful
/// shutdown, when the client goes away, or after `maxEvents` events if the client asked for a bound.
struct EventStream: Sendable {
    let store: any HubStore
    let after: Int64
    let twinID: String?
    let maxEvents: Int?
    let pollInterval: Duration
    let heartbeatInterval: Duration = .seconds(15)

    /// One event in wire form.
    static func frame(_ event: FeedEvent) -> String {
        // `data` is single-line JSON (our encoder never writes raw newlines), so one data: line suffices.
        "id: \(event.seq)\nevent: \(event.kind.rawValue)\ndata: \(event.data)\n\n"
    }

    func body() -> ResponseBody {
        ResponseBody { writer in
            var cursor = after
            var sent = 0
            var lastWrite = ContinuousClock.now
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            let signal = (store as? any FeedSignalling)?.feedSignal
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                // Noted before reading, so a commit between the read and the wait is not missed.
                let seen = signal?.generation ?? 0
                let batchLimit = min(100, (maxEvents ?? Int.max) - sent)
                let events = try await store.feed(after: cursor, kinds: nil, twinID: twinID, limit: batchLimit)
                for event in events {
                    try await writer.write(ByteBuffer(string: Self.frame(event)))
                    cursor = event.seq
                    sent += 1
                    lastWrite = .now
                }
                if let maxEvents, sent >= maxEvents { break }
                if events.isEmpty {
                    if ContinuousClock.now - lastWrite >= heartbeatInterval {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = .now
                    }
                    let wait = min(pollInterval, heartbeatInterval)
                    do {
                        try await cancelWhenGracefulShutdown {
                            if let signal {
                                await signal.wait(after: seen, timeout: wait)
                                try Task.checkCancellation()
                            } else {
                                try await Task.sleep(for: wait)
                            }
                        }
                    } catch {
                        break
                    }
                }
            }
            try await writer.finish(nil)
        }
    }
}
