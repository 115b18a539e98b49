/// A twin's request to the hub in the Omega Sync Protocol: push signed envelopes, pull what
/// the hub consolidated since a cursor, or both (`full`).
///
/// Wire form (JSON): `{"type": "push"|"pull"|"full", "since": <cursor>, "envelopes": [...],
/// "maxPullCount": <n>, "ledgerFrom": <tree size>}` (the last two optional). The twin is
/// identified by its access token, never by a field in the body, so one twin cannot push in
/// another's name. Decoding validates every field and names the first bad one.
public struct OmegaSyncRequest: Hashable, Sendable, Codable {
    /// What the twin wants this round.
    public enum SyncType: String, Hashable, Sendable, Codable, CaseIterable {
        case push, pull, full

        /// Whether envelopes are accepted in this round.
        public var pushes: Bool { self != .pull }
        /// Whether consolidated data is returned in this round.
        public var pulls: Bool { self != .push }
    }

    public var type: SyncType
    /// The cursor returned by the previous sync (0 for the first one). Pull returns what the hub
    /// published after it.
    public var since: Int64
    /// Signed envelopes to push (patterns, model updates, skill traces).
    public var envelopes: [SignedEnvelope]
    /// Largest number of published items to return (default ``defaultPullCount``).
    public var maxPullCount: Int?
    /// The size of the ledger tree head the twin kept (0 when it kept none). When present, the hub
    /// adds its signed tree head (after this request's push: the head of its receipts) and a
    /// consistency proof from this size to it, so the twin checks the transparency log without
    /// separate `GET /ledger/sth` and `GET /ledger/proof/consistency` round trips. Optional: hubs
    /// that predate it ignore it, and twins that omit it get the answer they always got.
    public var ledgerFrom: UInt64?

    /// Most envelopes one request may carry.
    public static let maxEnvelopes = 512
    /// Largest accepted `maxPullCount`.
    public static let maxPullLimit = 1000
    /// Pull size when `maxPullCount` is absent.
    public static let defaultPullCount = 100

    public init(
        type: SyncType, since: Int64 = 0, envelopes: [SignedEnvelope] = [], maxPullCount: Int? = nil, ledgerFrom: UInt64? = nil
    ) throws {
        self.type = type
        self.since = since
        self.envelopes = envelopes
        self.maxPullCount = maxPullCount
        self.ledgerFrom = ledgerFrom
        try validate()
    }

    /// The pull size this request asks for.
    public var pullCount: Int { maxPullCount ?? Self.defaultPullCount }

    enum CodingKeys: String, CodingKey {
        case type, since, envelopes, maxPullCount, ledgerFrom
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(SyncType.self, forKey: .type)
        since = try c.validated(Int64.self, forKey: .since) {
            guard $0 >= 0 else { throw HiveError(.invalidInput, "since must be ≥ 0, got \($0)") }
        }
        envelopes = try c.decodeIfPresent([SignedEnvelope].self, forKey: .envelopes) ?? []
        maxPullCount = try c.decodeIfPresent(Int.self, forKey: .maxPullCount)
        ledgerFrom = try c.decodeIfPresent(UInt64.self, forKey: .ledgerFrom)
        do {
            try validate()
        } catch let error as HiveError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: c.codingPath, debugDescription: error.message, underlyingError: error))
        }
    }

    /// Checks counts and ranges; the error names the field.
    public func validate() throws {
        guard since >= 0 else { throw HiveError(.invalidInput, "since must be ≥ 0, got \(since)") }
        guard envelopes.count <= Self.maxEnvelopes else {
            throw HiveError(.invalidInput, "envelopes has \(envelopes.count) items; the limit is \(Self.maxEnvelopes)")
        }
        if type == .pull, !envelopes.isEmpty {
            throw HiveError(.invalidInput, "envelopes must be empty for a pull (use type full to push and pull)")
        }
        if let maxPullCount, !(1...Self.maxPullLimit).contains(maxPullCount) {
            throw HiveError(.invalidInput, "maxPullCount must be in 1–\(Self.maxPullLimit), got \(maxPullCount)")
        }
    }
}
