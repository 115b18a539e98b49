import Foundation
import HiveCore
import HiveLedger
import Logging

/// The hub's logic, independent of HTTP: registration, authentication, sync, skill exchange,
/// aggregation rounds and statistics over a ``HubStore``. Routes are thin wrappers around it.
public final class OmegaCore: Sendable {
    public let configuration: HubConfiguration
    public let identity: HubIdentity
    public let store: any HubStore
    /// nil when this build has no aggregation engine: rounds and model updates answer 503.
    public let engine: (any AggregationEngine)?
    public let ranker: any SkillRanker
    public let metrics: HubMetrics
    public let logger: Logger
    /// The hub's clock; remote stamps further ahead than `maxClockDriftMs` are rejected.
    public let clock: HybridLogicalClock
    /// Ranks reported on every sync, from a periodic scan rather than a count per request.
    public let ranks = RankCache()
    /// Tokens already verified (signature and claims), so repeat requests skip the Ed25519 check.
    let verifiedTokens = VerifiedTokens()
    /// Registered twins' fixed fields for the sync path (see ``authenticateForSync(bearer:)``).
    let knownTwins = KnownTwins()
    /// The hub key's recent signatures over pull pages (identical pages are signed once).
    public let pullSigner: SignatureMemo
    /// Every published trace's intent as the ranker scores it, kept in memory and caught up from
    /// the feed before each search (so traces published through other replicas are found too).
    public let skillIndex: any SkillIndex
    /// JSON of recently returned hits, so a search neither reads nor re-encodes them.
    public let skillAnswers: SkillAnswerCache
    private let nowSource: @Sendable () -> Int64

    /// Kinds a twin may push.
    public static let acceptedKinds: Set<EnvelopeKind> = [.pattern, .modelUpdate, .skillTrace]

    public init(
        configuration: HubConfiguration, identity: HubIdentity, store: any HubStore, engine: (any AggregationEngine)?,
        ranker: any SkillRanker = LexicalSkillRanker(), metrics: HubMetrics = HubMetrics(), logger: Logger,
        now: @escaping @Sendable () -> Int64 = { Int64(HybridLogicalClock.systemMilliseconds()) }
    ) {
        self.configuration = configuration
        self.identity = identity
        self.store = store
        self.engine = engine
        self.ranker = ranker
        self.skillIndex = ranker.makeIndex(capacity: Self.skillIndexCapacity)
        self.skillAnswers = SkillAnswerCache(
            capacity: Self.skillAnswerCapacity, method: ranker.method, note: ranker.note, threshold: configuration.skillMatchThreshold)
        self.metrics = metrics
        self.logger = logger
        self.nowSource = now
        self.pullSigner = SignatureMemo(identity: identity.identity)
        self.clock = HybridLogicalClock(
            nodeID: identity.identity.nodeID, maxDriftMs: UInt64(max(0, configuration.maxClockDriftMs)),
            physicalClock: { UInt64(max(0, now())) })
    }

    /// Current time, ms since the Unix epoch.
    public var nowMs: Int64 { nowSource() }

    // MARK: Registration and authentication

    /// Issues a fresh single-use challenge.
    public func challenge() async throws -> Registration.Challenge {
        var generator = SystemRandomNumberGenerator()
        let challenge = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let now = nowMs
        let expiresAt = now + Int64(configuration.challengeTTLSeconds) * 1000
        try await store.insertChallenge(challenge, expiresAt: expiresAt, nowMs: now)
        return Registration.Challenge(challenge: challenge, expiresAt: expiresAt)
    }

    /// Registers (or re-authenticates) a twin. Verification happens before storage is touched, and
    /// consuming the challenge and writing the twin are one transaction.
    public func register(_ request: Registration.Request) async throws -> Registration.Response {
        let twin = try Registration.verify(request)
        let now = nowMs
        let record = TwinRecord(
            id: twin.twinID, publicKey: Hex.encode(twin.nodePublicKey), userID: twin.userID, metadata: request.metadata,
            registeredAt: now)
        let stored: TwinRecord
        do {
            stored = try await store.register(record, challenge: request.challenge, nowMs: now)
        } catch is ChallengeExpired {
            throw Problem(.challengeExpired, "the challenge expired; request a new one")
        } catch let error as HiveError where error.code == .unauthorized {
            throw Problem(.challengeInvalid, error.message)
        } catch let error as HiveError where error.code == .forbidden {
            throw Problem(.twinBlocked, error.message)
        }
        metrics.registrations.increment()
        // Its first sync then needs no row read (only the fixed fields are used; see KnownTwins).
        knownTwins.insert(stored)
        let token = try issueToken(twinID: stored.id, nowMs: now)
        logger.info("twin registered", metadata: ["twin": "\(stored.id)"])
        return Registration.Response(
            twinID: stored.id, accessToken: token.token, accessTokenExpiresAt: token.expiresAtMs,
            hubPublicKey: identity.identity.publicKeyHex)
    }

    /// Resolves a bearer token to its twin; throws problems for missing, forged, expired tokens and blocked twins.
    public func authenticate(bearer: String?) async throws -> TwinRecord {
        let token = try verifyToken(bearer)
        guard let twin = try await store.twin(id: token.twinID) else {
            throw Problem(.unauthorized, "the token's twin is not registered here")
        }
        guard !twin.blocked else { throw Problem(.twinBlocked, "twin \(twin.id) is blocklisted") }
        knownTwins.insert(twin)
        return twin
    }

    /// Loads registered twins into ``KnownTwins`` (up to its capacity) a page at a time, so that
    /// after a restart the first sync of each twin reads no row: 100,000 twins all syncing for the
    /// first time within a minute otherwise add a row read to every sync of that minute. Storage
    /// errors end the warm-up with a warning (syncs then read rows as before). Returns the count.
    @discardableResult
    public func warmKnownTwins(pageSize: Int = 5_000) async -> Int {
        let started = ContinuousClock.now
        var cursor: String?
        var loaded = 0
        do {
            while loaded < knownTwins.capacity, !Task.isCancelled {
                let page = try await store.twins(after: cursor, limit: min(pageSize, knownTwins.capacity - loaded))
                for twin in page where !twin.blocked { knownTwins.insert(twin) }
                loaded += page.count
                guard let last = page.last, page.count == pageSize else { break }
                cursor = last.id
            }
        } catch {
            logger.warning("loading known twins stopped; their first syncs read rows", metadata: ["error": "\(error)", "loaded": "\(loaded)"])
        }
        logger.info("known twins loaded", metadata: ["twins": "\(loaded)", "elapsed": "\(ContinuousClock.now - started)"])
        return loaded
    }

    /// ``authenticate(bearer:)`` for `POST /sync`: the token is verified the same way, but the twin
    /// comes from memory once it was read (``KnownTwins``), so a sync reads no twin row. Only the
    /// fields fixed at registration (id, key, user, registration time) may be used from the
    /// result; whether the twin is blocked is checked by the sync's write transaction, where the
    /// store refuses a blocked twin's ingest (answered 403 twin-blocked by ``syncWithReceipts``).
    public func authenticateForSync(bearer: String?) async throws -> TwinRecord {
        let token = try verifyToken(bearer)
        if let twin = knownTwins.lookup(token.twinID) { return twin }
        return try await authenticate(bearer: bearer)
    }

    /// Checks a bearer token (signature and claims once per token text, expiry every time).
    func verifyToken(_ bearer: String?) throws -> AccessToken {
        guard let bearer, !bearer.isEmpty else { throw Problem(.unauthorized, "an access token is required (Authorization: Bearer …)") }
        let token: AccessToken
        let now = nowMs
        if let known = verifiedTokens.lookup(bearer) {
            guard now / 1000 < known.expiresAt else {
                throw Problem(.tokenExpired, "the access token expired; register again with a fresh challenge")
            }
            token = known
        } else {
            do {
                token = try AccessToken.verify(bearer, nowMs: now, issuer: identity.identity)
            } catch is AccessToken.Expired {
                throw Problem(.tokenExpired, "the access token expired; register again with a fresh challenge")
            } catch let error as HiveError {
                throw Problem(.unauthorized, error.message)
            }
            verifiedTokens.insert(bearer, token)
        }
        return token
    }

    /// A fresh token for an authenticated twin.
    public func refreshToken(for twin: TwinRecord) throws -> (token: String, expiresAtMs: Int64) {
        try issueToken(twinID: twin.id, nowMs: nowMs)
    }

    /// Signs a token and records it as verified: this hub just made it, so its first use needs
    /// only the expiry check (like any token already seen).
    func issueToken(twinID: String, nowMs: Int64) throws -> (token: String, expiresAtMs: Int64) {
        let issued = try AccessToken.issue(twinID: twinID, nowMs: nowMs, ttlSeconds: configuration.tokenTTLSeconds, identity: identity.identity)
        let iat = nowMs / 1000
        verifiedTokens.insert(
            issued.token, AccessToken(twinID: twinID, issuedAt: iat, expiresAt: iat + Int64(configuration.tokenTTLSeconds)))
        return issued
    }

    /// The token a sync hands back: the one the twin presented while at least three quarters of
    /// its lifetime remain (no signing), otherwise a fresh one. A twin therefore always leaves with
    /// a token valid for at least 3/4 of the TTL, and a busy hub signs a token per twin per TTL/4
    /// instead of one per request.
    public func refreshToken(for twin: TwinRecord, presented: String?) throws -> (token: String, expiresAtMs: Int64) {
        if let presented, let token = verifiedTokens.lookup(presented), token.twinID == twin.id {
            let remainingMs = token.expiresAt * 1000 - nowMs
            if remainingMs * 4 >= Int64(configuration.tokenTTLSeconds) * 3000 { return (presented, token.expiresAt * 1000) }
            let fresh = try refreshToken(for: twin)
            verifiedTokens.remove(presented)
            return fresh
        }
        return try refreshToken(for: twin)
    }

    // MARK: Envelope checks

    /// Verifies one pushed envelope for `twin`: registered signer, signature, kind, canonical
    /// payload, HLC drift, stamp node id, and the payload's own validation. Returns the reason on failure.
    public func check(_ envelope: SignedEnvelope, twin: TwinRecord, kinds: Set<EnvelopeKind>) -> Result<IngestItem, HiveError> {
        do {
            guard Hex.encode(envelope.signer) == twin.publicKey else {
                throw HiveError(.forbidden, "signer is not the registered key of twin \(twin.id)")
            }
            try envelope.verify(knownKinds: kinds, clock: clock)
            guard envelope.stamp.nodeID == envelope.signerNodeID else {
                throw HiveError(.invalidInput, "stamp node id \(envelope.stamp.nodeID) is not the signer's node id")
            }
            switch envelope.kind {
            case .skillTrace:
                let trace = try envelope.decodePayload(as: SkillTrace.self)
                guard trace.instanceID == twin.id else {
                    throw HiveError(.forbidden, "instance_id \(trace.instanceID) is not the authenticated twin \(twin.id)")
                }
                return .success(IngestItem(envelope: envelope, skill: trace))
            case .pattern:
                engine?.admitted(try envelope.decodePayload(as: Pattern.self), envelopeID: envelope.id)
            case .modelUpdate:
                guard let engine else {
                    throw HiveError(
                        .unavailable, "model updates need the aggregation engine (HiveLearning), which is not in this build")
                }
                try engine.validateModelUpdate(envelope.payload, envelopeID: envelope.id)
            default:
                throw HiveError(.unknownKind, "kind \(envelope.kind) is not accepted by the hub")
            }
            return .success(IngestItem(envelope: envelope))
        } catch let error as HiveError {
            return .failure(error)
        } catch {
            return .failure(HiveError(.invalidInput, HiveJSON.describe(error)))
        }
    }

    /// Checks and stores a batch; returns one result per envelope in order.
    public func push(_ envelopes: [SignedEnvelope], twin: TwinRecord, kinds: Set<EnvelopeKind>) async throws
        -> [OmegaSyncResponse.EnvelopeResult]
    {
        try await pushWithReceipts(envelopes, twin: twin, kinds: kinds).results
    }

    /// ``push(_:twin:kinds:)`` plus the ledger inclusion receipt of each accepted envelope, by id.
    /// `checked`: the results of ``check(_:twin:kinds:)`` for `envelopes` when the caller already has them (not checked twice).
    public func pushWithReceipts(
        _ envelopes: [SignedEnvelope], twin: TwinRecord, kinds: Set<EnvelopeKind>, checked: [Result<IngestItem, HiveError>]? = nil
    ) async throws -> (results: [OmegaSyncResponse.EnvelopeResult], receipts: [String: InclusionReceipt]) {
        var receipts: [String: InclusionReceipt] = [:]
        var results = [OmegaSyncResponse.EnvelopeResult?](repeating: nil, count: envelopes.count)
        var items: [IngestItem] = []
        var itemIndexes: [Int] = []
        var seen = Set<String>()
        for (index, envelope) in envelopes.enumerated() {
            let verdict = checked.flatMap { index < $0.count ? $0[index] : nil } ?? check(envelope, twin: twin, kinds: kinds)
            switch verdict {
            case .success(let item):
                // The same envelope twice in one request: the second is a duplicate of the first.
                if !seen.insert(envelope.id).inserted {
                    results[index] = .init(id: envelope.id, status: .duplicate)
                    continue
                }
                items.append(item)
                itemIndexes.append(index)
            case .failure(let error):
                results[index] = .init(id: envelope.id, status: .rejected, reason: "\(error.code): \(error.message)")
            }
        }
        let rejected = results.compactMap { $0 }.filter { $0.status == .rejected }.count
        let report = try await store.ingestWithReceipts(items, twinID: twin.id, rejected: rejected, nowMs: nowMs)
        for (position, outcome) in report.outcomes.enumerated() {
            let index = itemIndexes[position]
            let id = envelopes[index].id
            switch outcome {
            case .accepted:
                results[index] = .init(id: id, status: .accepted)
                if position < report.receipts.count, let receipt = report.receipts[position] { receipts[id] = receipt }
                _ = try? clock.receive(envelopes[index].stamp)
            case .duplicate:
                results[index] = .init(id: id, status: .duplicate)
            case .duplicateTrace(let traceID):
                results[index] = .init(id: id, status: .rejected, reason: "duplicate: trace_id \(traceID) is already published")
            }
        }
        let final = results.compactMap { $0 }
        metrics.envelopesAccepted.increment(by: Int64(final.filter { $0.status == .accepted }.count))
        metrics.envelopesDuplicate.increment(by: Int64(final.filter { $0.status == .duplicate }.count))
        metrics.envelopesRejected.increment(by: Int64(final.filter { $0.status == .rejected }.count))
        return (final, receipts)
    }

    // MARK: Sync

    /// One Omega Sync round for an authenticated twin.
    public func sync(_ request: OmegaSyncRequest, twin: TwinRecord) async throws -> OmegaSyncResponse {
        let started = ContinuousClock.now
        let response = try await syncWithReceipts(request, twin: twin).response
        recordSync(request, bytesOut: (try? HiveJSON.encode(response).count) ?? 0, since: started)
        return response
    }

    /// Counts a served sync in the metrics. The HTTP route calls it with the size of the body it
    /// already encoded, so a response is encoded once, not a second time just to be measured.
    public func recordSync(_ request: OmegaSyncRequest, bytesOut: Int, since started: ContinuousClock.Instant) {
        let bytesIn = request.envelopes.reduce(0) { $0 + $1.payload.count }
        metrics.recordSync(bytesIn: bytesIn, bytesOut: bytesOut, latencyMs: Double(RoundWriter.elapsedMs(since: started)))
    }

    /// ``sync(_:twin:)`` plus the ledger inclusion receipt of each accepted envelope, by id. Does
    /// not count the sync in the metrics: the caller does, with ``recordSync(_:bytesOut:since:)``.
    /// `presentedToken`: the bearer token of the request, handed back while still fresh (see
    /// ``refreshToken(for:presented:)``).
    public func syncWithReceipts(_ request: OmegaSyncRequest, twin: TwinRecord, presentedToken: String? = nil) async throws
        -> (response: OmegaSyncResponse, receipts: [String: InclusionReceipt])
    {
        var results: [OmegaSyncResponse.EnvelopeResult] = []
        var receipts: [String: InclusionReceipt] = [:]
        do {
            if request.type.pushes, !request.envelopes.isEmpty {
                (results, receipts) = try await pushWithReceipts(request.envelopes, twin: twin, kinds: Self.acceptedKinds)
            } else {
                // Nothing to store, but a pull is a sync too: stamp the twin's last sync.
                _ = try await store.ingest([], twinID: twin.id, rejected: 0, nowMs: nowMs)
            }
        } catch let error as HiveError where error.code == .forbidden {
            // The store refused the write: the twin is blocklisted (checked in the transaction).
            throw Problem(.twinBlocked, error.message)
        }
        var pull: SyncPull?
        var signature: HubSignature?
        if request.type.pulls {
            let built = try await buildPull(since: request.since, limit: request.pullCount, deliveredTo: twin)
            pull = built
            signature = try pullSigner.hubSignature(built, domain: SyncPull.signatureDomain)
        }
        let patternsReceived = zip(request.envelopes, results).filter { $0.0.kind == .pattern && $0.1.status == .accepted }.count
        let rank = try await ranks.rank(twinID: twin.id, store: store, nowMs: nowMs)
        let token = try refreshToken(for: twin, presented: presentedToken)
        let response = OmegaSyncResponse(
            success: true, results: results, pull: pull, pullSignature: signature,
            metadata: .init(
                viewerRank: rank, patternsReceived: patternsReceived, patternsSent: pull?.patterns.count ?? 0,
                nextSyncRecommended: nextSyncRecommended(hasMore: pull?.hasMore ?? false)),
            accessToken: token.token, accessTokenExpiresAt: token.expiresAtMs)
        return (response, receipts)
    }

    /// Pull again at once when more is waiting; otherwise at the next aggregation round (at most 15 minutes).
    func nextSyncRecommended(hasMore: Bool) -> Int64 {
        if hasMore { return 0 }
        let interval = configuration.aggregationIntervalMs
        return interval > 0 ? min(interval, 900_000) : 300_000
    }

    /// Consolidated data published after `since`. With `deliveredTo`, the page counts as delivered
    /// to that twin in the distribution-latency figures of `/stats`.
    public func buildPull(since: Int64, limit: Int, deliveredTo twin: TwinRecord? = nil) async throws -> SyncPull {
        let events = try await store.feed(after: since, kinds: FeedEvent.Kind.pullable, twinID: nil, limit: limit + 1)
        let hasMore = events.count > limit
        let page = events.prefix(limit)
        if let twin {
            let now = nowMs
            metrics.recordDistribution(page.map { now - max($0.createdAt, twin.registeredAt) })
        }
        var patterns: [ConsolidatedPattern] = []
        var skills: [SignedEnvelope] = []
        var modelVersions: [Int64] = []
        for event in page {
            switch event.kind {
            case .patternConsolidated:
                patterns.append(try StoreCodec.decode(ConsolidatedPattern.self, event.data, what: "consolidated pattern"))
            case .skillPublished:
                skills.append(try StoreCodec.envelope(event.data))
            case .modelPublished:
                modelVersions.append(try StoreCodec.decode(StoreCodec.ModelPublished.self, event.data, what: "model event").version)
            default:
                continue
            }
        }
        var deltas: [ModelRowsDelta] = []
        if let first = modelVersions.min() {
            let current = try await store.modelVersion()
            if let dimension = current.dimension {
                let rows = try await store.modelRows(sinceVersion: first - 1, limit: Self.maxModelRows)
                deltas.append(try ModelRowsDelta(version: current.version, dimension: dimension, rows: rows))
            }
        }
        return SyncPull(
            since: since, cursor: page.last?.seq ?? since, hasMore: hasMore, patterns: patterns, modelDeltas: deltas,
            skills: skills)
    }

    /// Most model rows returned at once.
    public static let maxModelRows = 50_000

    // MARK: Skills

    /// `POST /skills`: one signed federation_trace_v1. Throws problems for 400/403/409.
    public func publishSkill(_ envelope: SignedEnvelope, twin: TwinRecord) async throws -> OmegaSyncResponse.EnvelopeResult {
        try await publishSkillTrace(envelope, twin: twin).result
    }

    /// ``publishSkill(_:twin:)`` plus the decoded trace. The envelope is verified once (signature,
    /// payload, instance id) and that checked item is what gets stored.
    public func publishSkillTrace(_ envelope: SignedEnvelope, twin: TwinRecord) async throws
        -> (result: OmegaSyncResponse.EnvelopeResult, trace: SkillTrace)
    {
        guard envelope.kind == .skillTrace else {
            throw Problem(.invalidInput, "kind must be \(EnvelopeKind.skillTrace), got \(envelope.kind)")
        }
        guard twin.reputation >= configuration.trustThreshold else {
            throw Problem(
                .untrustedInstance,
                "instance \(twin.id) has reputation \(twin.reputation), below the trust threshold \(configuration.trustThreshold)")
        }
        let item: IngestItem
        switch check(envelope, twin: twin, kinds: [.skillTrace]) {
        case .failure(let error):
            if error.code == .forbidden { throw Problem(.forbidden, error.message) }
            throw Problem.from(error)
        case .success(let checked):
            item = checked
        }
        guard let trace = item.skill else { throw Problem(.internalError, "a checked skill trace carries no trace") }
        let result = try await pushWithReceipts([envelope], twin: twin, kinds: [.skillTrace], checked: [.success(item)]).results
        guard let first = result.first else { throw Problem(.internalError, "no result for the trace") }
        switch first.status {
        case .accepted: return (first, trace)
        case .duplicate: throw Problem(.duplicate, "envelope \(first.id) was already published")
        case .rejected: throw Problem(.duplicate, first.reason ?? "trace_id already published")
        }
    }

    /// `GET /skills`: ranks in memory, then reads and decodes only the hits.
    public func searchSkills(intent: String, limit: Int) async throws -> [RankedSkill] {
        try await refreshSkillIndex()
        let hits = try skillIndex.search(intent: intent, threshold: configuration.skillMatchThreshold, limit: limit)
        guard !hits.isEmpty else { return [] }
        let records = try await store.skills(traceIDs: hits.map(\.traceID))
        let byID = Dictionary(records.map { ($0.traceID, $0) }, uniquingKeysWith: { first, _ in first })
        return hits.compactMap { hit in byID[hit.traceID].map { RankedSkill(record: $0, score: hit.score) } }
    }

    /// `GET /skills`'s answer body (`{"method", "note", "skills": [{"envelope", "instanceID",
    /// "score", "trace"}], "threshold"}`): ranks in memory, then takes each hit's JSON from
    /// ``skillAnswers`` and reads and encodes only the hits not cached yet.
    public func searchSkillsAnswer(intent: String, limit: Int) async throws -> [UInt8] {
        try await refreshSkillIndex()
        let hits = try skillIndex.search(intent: intent, threshold: configuration.skillMatchThreshold, limit: limit)
        var fragments = skillAnswers.lookup(hits.map(\.traceID))
        let missing = zip(hits, fragments).compactMap { $1 == nil ? $0.traceID : nil }
        if !missing.isEmpty {
            let made = try skillAnswers.store(try await store.skills(traceIDs: missing))
            for index in fragments.indices where fragments[index] == nil { fragments[index] = made[hits[index].traceID] }
        }
        return skillAnswers.answer(hits, fragments)
    }

    /// Most hits whose JSON ``skillAnswers`` keeps (≈ 2 KB each).
    public static let skillAnswerCapacity = 20_000

    /// Adds traces published since the index's last feed position (one indexed range query when
    /// nothing is new).
    public func refreshSkillIndex() async throws {
        while true {
            let fresh = try await store.skillIntents(afterSeq: skillIndex.lastSeq, limit: Self.skillIndexBatch)
            try skillIndex.add(fresh)
            if fresh.count < Self.skillIndexBatch { return }
        }
    }

    /// Most recent traces searched (older ones drop out of the index; at the cap the semantic
    /// index holds 200 000 × 384 floats ≈ 307 MB, the lexical one ≈ 40 MB of word ids and postings).
    /// A library this size is searchable whole: at 50 000 the oldest traces used to drop out as
    /// soon as new ones came (`hive bench federation --library 50000` caught it).
    public static let skillIndexCapacity = 200_000
    static let skillIndexBatch = 2_000

    // MARK: Operations

    /// Runs one aggregation round now (503 problem when this build has no engine).
    public func aggregate() async throws -> RoundRecord {
        guard let engine else {
            throw Problem(
                .engineUnavailable,
                "aggregation engine not available in this build (HiveLearning is not linked); contributions stay pending")
        }
        let record = try await store.runRound(nowMs: nowMs) { input in try engine.round(input) }
        ranks.invalidate()
        if record.ran {
            metrics.rounds.increment()
            metrics.roundDuration.set(Double(record.durationMs))
            logger.info(
                "aggregation round",
                metadata: [
                    "round": "\(record.round)", "ms": "\(record.durationMs)", "updates": "\(record.updatesUsed)",
                    "consolidated": "\(record.patternsConsolidated)",
                ])
        }
        return record
    }
}
