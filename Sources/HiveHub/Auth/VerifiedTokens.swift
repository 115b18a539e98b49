import Synchronization

/// Access tokens whose signature and claims this hub has already verified, by their exact text.
///
/// A token's signature cannot stop holding, so a request presenting the same bytes again needs
/// only the expiry check, not another Ed25519 verification (one per request was the largest
/// single cost of a sync). Bounded: when full it starts over, and tokens verify again once.
final class VerifiedTokens: Sendable {
    private let tokens = Mutex<[String: AccessToken]>([:])
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = max(1, capacity)
    }

    func lookup(_ text: String) -> AccessToken? {
        tokens.withLock { $0[text] }
    }

    func insert(_ text: String, _ token: AccessToken) {
        tokens.withLock { tokens in
            if tokens.count >= capacity { tokens.removeAll(keepingCapacity: true) }
            tokens[text] = token
        }
    }
}
