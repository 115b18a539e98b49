/// The hub's answer to an ``OmegaSyncRequest``.
///
/// - `results`: one entry per pushed envelope, in request order: accepted, duplicate (already
///   seen; never counted twice) or rejected with the reason.
/// - `pull`: what the hub published after the request's cursor, with the new cursor, signed by
///   the hub key in `pullSignature` (see ``HubSignature``) so a twin that pinned the hub's key
///   can check that consolidated data really came from its hub.
/// - `accessToken`: a fresh token; every sync refreshes it.
public struct OmegaSyncResponse: Hashable, Sendable, Codable {
    /// The fate of one pushed envelope.
    public struct EnvelopeResult: Hashable, Sendable, Codable {
        public enum Status: String, Hashable, Sendable, Codable {
            case accepted, duplicate, rejected
        }
        /// The envelope id (hex SHA-256 of its payload).
        public var id: String
        public var status: Status
        /// Why it was rejected (absent otherwise).
        public var reason: String?

        public init(id: String, status: Status, reason: String? = nil) {
            self.id = id
            self.status = status
            self.reason = reason
        }
    }

    /// Counters and hints for the twin (the seed's sync metadata).
    public struct Metadata: Hashable, Sendable, Codable {
        /// 1-based rank of this twin by reputation among all twins (1 = most trusted).
        public var viewerRank: Int
        /// Pattern envelopes accepted from this request.
        public var patternsReceived: Int
        /// Consolidated patterns returned in `pull`.
        public var patternsSent: Int
        /// Suggested delay before the next sync, in milliseconds.
        public var nextSyncRecommended: Int64

        public init(viewerRank: Int, patternsReceived: Int, patternsSent: Int, nextSyncRecommended: Int64) {
            self.viewerRank = viewerRank
            self.patternsReceived = patternsReceived
            self.patternsSent = patternsSent
            self.nextSyncRecommended = nextSyncRecommended
        }
    }

    public var success: Bool
    public var results: [EnvelopeResult]
    public var pull: SyncPull?
    /// The hub's signature over `pull` (present whenever `pull` is).
    public var pullSignature: HubSignature?
    public var metadata: Metadata
    /// A fresh EdDSA access token for the twin.
    public var accessToken: String
    /// When `accessToken` expires, ms since the Unix epoch.
    public var accessTokenExpiresAt: Int64

    public init(
        success: Bool, results: [EnvelopeResult], pull: SyncPull?, pullSignature: HubSignature?, metadata: Metadata,
        accessToken: String, accessTokenExpiresAt: Int64
    ) {
        self.success = success
        self.results = results
        self.pull = pull
        self.pullSignature = pullSignature
        self.metadata = metadata
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
    }
}
