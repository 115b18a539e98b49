import Synchronization

/// Payloads decoded at ingest, kept by envelope id so the next aggregation round does not decode
/// them again.
///
/// Safe to trust because an envelope id is a SHA-256 over signer, kind and payload: a hit is the
/// decoding of exactly the bytes the round reads. Bounded by two generations of at most
/// `capacity / 2` entries each (the older generation is dropped wholesale when the newer fills);
/// a miss (evicted, or stored by another replica) just means decoding from the stored bytes.
public final class DecodedPayloadCache<Value: Sendable>: Sendable {
    private struct Generations {
        var current: [String: Value] = [:]
        var previous: [String: Value] = [:]
    }

    private let generations = Mutex(Generations())
    private let generationSize: Int

    /// Keeps at most about `capacity` values.
    public init(capacity: Int) {
        generationSize = max(1, capacity / 2)
    }

    /// Remembers `value` as the decoding of envelope `id`'s payload.
    public func insert(_ value: Value, for id: String) {
        generations.withLock { state in
            if state.current.count >= generationSize {
                state.previous = state.current
                state.current = [:]
            }
            state.current[id] = value
        }
    }

    /// The decoding remembered for envelope `id`, if any.
    public func value(for id: String) -> Value? {
        generations.withLock { state in state.current[id] ?? state.previous[id] }
    }
}
