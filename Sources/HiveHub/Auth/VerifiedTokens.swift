import Synchronization

/// Access tokens whose signature and claims this hub has already verified, by their exact text.
///
/// A token's signature cannot stop holding, so a request presenting the same bytes again needs
/// only the expiry check, not another Ed25519 verification (one per request was the largest
/// single cost of a sync).
///
/// Bounded by two generations of at most `capacity / 2` tokens each. New and recently used tokens
/// go into the current generation; when it is full it becomes the previous one and the old previous
/// generation is dropped. A token found in the previous generation moves to the current one, so
/// tokens in use survive every turnover and only tokens unused for a whole generation (superseded,
/// expired or abandoned) have to verify again. A token replaced by a refresh is removed at once, so a
/// twin holds one entry and the generations turn over only after `capacity / 2` distinct twins' tokens
/// (default: twice 200,000).
///
/// The first version emptied the whole cache when full: with 100,000 twins that happened during a
/// wave of token refreshes, and every twin's next sync then paid a full verification at once. The
/// second, with generations of 100,000 and no removal, still turned over during refreshes (each added
/// the old token, moved up, and the new one) before every twin had synced again, and the twins not
/// yet seen paid a full verification: a 1 s stall in a 100,000-twin load test.
final class VerifiedTokens: Sendable {
    private struct Generations {
        var current: [String: AccessToken] = [:]
        var previous: [String: AccessToken] = [:]
    }

    private let generations = Mutex(Generations())
    /// The most tokens held at once (both generations together).
    let capacity: Int

    init(capacity: Int = 400_000) {
        self.capacity = max(2, capacity)
    }

    /// The verified token with exactly this text, if it is still held.
    func lookup(_ text: String) -> AccessToken? {
        generations.withLock { generations in
            if let token = generations.current[text] { return token }
            guard let token = generations.previous.removeValue(forKey: text) else { return nil }
            Self.store(text, token, in: &generations, capacity: capacity)
            return token
        }
    }

    /// Records a token this hub verified or issued.
    func insert(_ text: String, _ token: AccessToken) {
        generations.withLock { generations in
            generations.previous.removeValue(forKey: text)
            Self.store(text, token, in: &generations, capacity: capacity)
        }
    }

    /// Forgets a token its twin no longer needs (a refresh replaced it). Presenting it again is still
    /// valid until it expires; it then verifies again.
    func remove(_ text: String) {
        generations.withLock { generations in
            generations.current.removeValue(forKey: text)
            generations.previous.removeValue(forKey: text)
        }
    }

    /// How many tokens are held (both generations).
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private static func store(_ text: String, _ token: AccessToken, in generations: inout Generations, capacity: Int) {
        if generations.current[text] == nil, generations.current.count >= capacity / 2 {
            generations.previous = generations.current
            generations.current = [:]
            generations.current.reserveCapacity(capacity / 2)
        }
        generations.current[text] = token
    }
}
