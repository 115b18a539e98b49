import Foundation
import HiveCore
import HiveTwin
import Synchronization

/// Wraps a real transport and injects the faults a mobile network produces, deterministically
/// from a seed: the connection drops before the request reaches the hub, or after the hub
/// processed it (the answer is lost); a request is delivered twice; an earlier request is
/// replayed later, out of order. The inner transport can be swapped (a hub restarted on
/// another port) or made unreachable.
final class FaultyTransport: SyncTransport {
    struct Faults: Sendable {
        var dropBefore = 0.0
        var dropAfter = 0.0
        var duplicate = 0.0
        var replayStale = 0.0
    }

    struct Counts: Sendable {
        var droppedBefore = 0
        var droppedAfter = 0
        var duplicated = 0
        var replayed = 0
        var forwarded = 0
    }

    private struct State {
        var inner: (any SyncTransport)?
        var faults: Faults
        var rng: UInt64
        var held: [SyncHTTPRequest] = []
        var counts = Counts()
        var tamper: (@Sendable (SyncHTTPResponse) -> SyncHTTPResponse)?
    }

    private let state: Mutex<State>

    init(inner: (any SyncTransport)?, faults: Faults = Faults(), seed: UInt64 = 42) {
        state = Mutex(State(inner: inner, faults: faults, rng: seed | 1))
    }

    var counts: Counts { state.withLock { $0.counts } }

    func setInner(_ inner: (any SyncTransport)?) { state.withLock { $0.inner = inner } }
    func setFaults(_ faults: Faults) { state.withLock { $0.faults = faults } }
    func setTamper(_ tamper: (@Sendable (SyncHTTPResponse) -> SyncHTTPResponse)?) { state.withLock { $0.tamper = tamper } }

    struct Dropped: Error {}

    private func roll(_ p: Double) -> Bool {
        state.withLock { s in
            // xorshift64*
            s.rng ^= s.rng >> 12
            s.rng ^= s.rng << 25
            s.rng ^= s.rng >> 27
            let value = Double((s.rng &* 2_685_821_657_736_338_717) >> 11) / Double(1 << 53)
            return value < p
        }
    }

    func send(_ request: SyncHTTPRequest) async throws -> SyncHTTPResponse {
        let (inner, faults, tamper) = state.withLock { ($0.inner, $0.faults, $0.tamper) }
        guard let inner else { throw Dropped() }
        // Replay an older request first (it arrives late, out of order); its answer goes nowhere.
        if roll(faults.replayStale), let stale = state.withLock({ $0.held.randomElement() }) {
            _ = try? await inner.send(stale)
            state.withLock { $0.counts.replayed += 1 }
        }
        if request.method == "POST" { state.withLock { s in s.held.append(request); if s.held.count > 16 { s.held.removeFirst() } } }
        if roll(faults.dropBefore) {
            state.withLock { $0.counts.droppedBefore += 1 }
            throw Dropped()
        }
        let response = try await inner.send(request)
        state.withLock { $0.counts.forwarded += 1 }
        if roll(faults.duplicate) {
            // The network delivers the request twice; the client sees the first answer.
            _ = try? await inner.send(request)
            state.withLock { $0.counts.duplicated += 1 }
        }
        if roll(faults.dropAfter) {
            state.withLock { $0.counts.droppedAfter += 1 }
            throw Dropped()
        }
        return tamper.map { $0(response) } ?? response
    }
}
