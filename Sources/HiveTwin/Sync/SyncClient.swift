import Foundation
import GRDB
import HiveCore
import HiveLedger

/// The twin side of the Omega Sync Protocol: authenticate → push the outbox in batches → handle
/// each envelope's result → pull since the cursor → verify the hub's signature → apply under the
/// conflict policy → persist the cursor.
///
/// **Exactly-once.** Every step is idempotent and resumable after a crash at any point: outbox
/// rows are marked only after the hub answered (a lost answer re-sends them and the hub reports
/// `duplicate`, which also marks them delivered); a pull is applied and the cursor advanced in one
/// transaction (a crash re-pulls the same page; skills are deduplicated through the inbox and
/// patterns/rows are keyed upserts).
///
/// **Pinning.** The hub key is pinned in ``SyncState`` (at `twin init`). A hub that registers the
/// twin under another key, issues a token not signed by the pinned key, or signs a pull with
/// another key is refused with ``HiveError/Code/badSignature`` and nothing is applied.
///
/// **Transport stamps.** The hub requires an envelope's stamp to carry the signer's node id and
/// to lie within its drift bound. Twin records are stamped by the store's clock (node id = twin
/// id) and may have been stamped while the device clock ran ahead. The envelope's outer stamp is
/// a transport stamp (the payload, which the id hashes, keeps the record's own stamp), so the
/// client re-signs the outer stamp with the signer's node id and, when it leads the hub's clock
/// (device clock + measured offset) by more than ``Configuration/restampSlackMs``, with hub time.
/// The envelope id is unchanged, so deduplication still holds.
///
/// **Ledger.** After authenticating, the client fetches the hub's signed tree head and checks it
/// extends the one it kept (``LedgerWitness``) before it pushes anything; every receipt the push
/// returns is checked (signature, inclusion of the entry the twin rebuilds, consistency with the
/// round's head) before it is kept. A rollback or split view stops the round with
/// ``HiveError/Code/inconsistent``, keeps the old head and leaves an alarm in the store.
///
/// **Retries.** Failed exchanges (connection errors, 5xx, 429) are retried with full-jitter
/// exponential backoff (``RetryPolicy``); an expired token triggers one re-authentication.
public actor SyncClient {
    /// Tuning and policy.
    public struct Configuration: Sendable {
        /// The user the twin serves (registration).
        public var userID: String
        /// Registration labels.
        public var metadata: [String: String] = [:]
        /// Envelopes per push request (≤ 512).
        public var batchSize = 256
        /// Largest estimated push body, bytes (the hub's default body limit is 1 MiB).
        public var maxBatchBytes = 768 << 10
        /// Items per pull request (≤ 1000).
        public var pullCount = 500
        /// Backoff between failed exchanges; `maxAttempts` bounds the tries per exchange.
        public var retry = RetryPolicy(baseMs: 100, capMs: 10_000, maxAttempts: 6)
        public var conflicts = ConflictPolicy.standard
        /// A transport stamp leading hub time by more than this is re-issued at hub time.
        public var restampSlackMs: UInt64 = 60_000
        /// Safety bound on push batches and pull pages per sync.
        public var maxRounds = 10_000

        public init(userID: String) { self.userID = userID }
    }

    public nonisolated let store: TwinStore
    public nonisolated let outbox: OfflineEnvelopeStore
    public nonisolated let knowledge: SyncedKnowledge
    public nonisolated let transport: any SyncTransport
    public nonisolated let configuration: Configuration
    public nonisolated let offset: HubClockOffset
    /// The twin's view of the hub's transparency log.
    public nonisolated let witness: LedgerWitness
    private let pinnedKey: [UInt8]
    /// The access token: from registration, then the fresh one every sync answer carries (verified
    /// against the pinned key each time). Kept in memory only, for this client's lifetime.
    private var token: String?
    /// When ``token`` expires, hub time in ms.
    private var tokenExpiresAtMs: Int64 = 0
    /// A token closer than this to its expiry is not used; the client registers again.
    static let tokenSlackMs: Int64 = 60_000

    /// Opens the client over `store`. The hub key must be pinned (``SyncState/pin(hubKeyHex:hubURL:in:)``).
    public init(
        store: TwinStore, transport: any SyncTransport, configuration: Configuration, offset: HubClockOffset? = nil
    ) throws {
        let state = try SyncState.load(from: store)
        guard let hex = state.hubKeyHex, let key = Hex.decode(hex), key.count == Ed25519.publicKeyLength else {
            throw HiveError(.invalidInput, "no hub key is pinned for this twin; run `hive twin init --hub URL` first")
        }
        guard configuration.batchSize >= 1, configuration.batchSize <= OmegaSyncRequest.maxEnvelopes else {
            throw HiveError(.invalidInput, "batchSize must be 1–\(OmegaSyncRequest.maxEnvelopes)")
        }
        guard (1...OmegaSyncRequest.maxPullLimit).contains(configuration.pullCount) else {
            throw HiveError(.invalidInput, "pullCount must be 1–\(OmegaSyncRequest.maxPullLimit)")
        }
        self.store = store
        self.outbox = OfflineEnvelopeStore(store: store, policy: configuration.retry)
        self.knowledge = try SyncedKnowledge(store: store)
        self.transport = transport
        self.configuration = configuration
        self.pinnedKey = key
        self.witness = try LedgerWitness(store: store, hubKey: key)
        let offset = offset ?? HubClockOffset()
        if offset.milliseconds == 0 { offset.set(state.clockOffsetMs) }
        self.offset = offset
    }

    /// Reads the hub's public key (`GET /api/v1/hub`) for pinning at `twin init` (trust on first use).
    public static func fetchHubKey(transport: any SyncTransport) async throws -> String {
        let response = try await transport.send(SyncHTTPRequest(method: "GET", path: "/api/v1/hub"))
        guard response.status == 200 else {
            throw HiveError(.unavailable, "GET /api/v1/hub answered \(response.status)")
        }
        let info = try HiveJSON.decode(HubWire.HubInfo.self, from: response.body)
        guard let key = Hex.decode(info.publicKey), key.count == Ed25519.publicKeyLength,
            NodeIdentity.nodeID(forPublicKey: key) == info.nodeID
        else { throw HiveError(.malformed, "the hub's public key and node id do not match") }
        return info.publicKey.lowercased()
    }

    // MARK: The round

    /// One full sync round. Throws only when the round could not finish (hub unreachable after
    /// retries, pinning violated); whatever completed before stays completed.
    /// A failed round is recorded (``SyncState/lastError``, shown by `hive twin stats`) and cleared by
    /// the next round that completes.
    public func sync() async throws -> SyncReport {
        var report = SyncReport()
        do {
            if needsToken { try await authenticate(&report) }
            // The first pull page carries the ledger check; nothing is applied or pushed unless the
            // hub's head extends the one kept.
            var head = try await pull(&report)
            if try await push(&report, head: &head) { try await pullRemaining(&report) }
            let stats = try outbox.stats()
            report.pendingAfter = stats.pending
            report.deadLettered = stats.deadLettered
            report.clockOffsetMs = offset.milliseconds
            report.treeSize = head.treeSize
            let now = Int64(clamping: offset.deviceMs)
            try store.write { db in
                try SyncState.set(SyncState.Key.lastSync, now, in: db)
                try db.execute(sql: "DELETE FROM meta WHERE key IN (?, ?)", arguments: [SyncState.Key.lastError, SyncState.Key.lastErrorAt])
            }
            report.cursor = try SyncState.load(from: store).cursor
            return report
        } catch {
            let message = (error as? HiveError).map { "\($0.code.rawValue): \($0.message)" } ?? String(describing: error)
            let now = Int64(clamping: offset.deviceMs)
            try? store.write { db in
                try SyncState.set(SyncState.Key.lastError, String(message.prefix(1000)), in: db)
                try SyncState.set(SyncState.Key.lastErrorAt, now, in: db)
            }
            throw error
        }
    }

    /// Whether the round must start with challenge → registration (no usable token).
    var needsToken: Bool {
        guard token != nil else { return true }
        return tokenExpiresAtMs - Int64(clamping: store.offsetAwareHubNow(offset)) < Self.tokenSlackMs
    }

    /// Keeps a token the hub issued (already verified) and adopts the clock offset its `iat` shows.
    func adopt(token value: String, claims: HubWire.TokenClaims, sentAtMs: UInt64, receivedAtMs: UInt64, persist: Bool = false) throws {
        token = value
        tokenExpiresAtMs = claims.exp * 1000
        // A slow exchange says little about the hub's clock: keep the offset measured before.
        guard persist || receivedAtMs &- sentAtMs < 1_000 else { return }
        // iat has one-second resolution: take the middle of that second against the request's midpoint.
        let deviceMid = Int64(clamping: sentAtMs / 2 + receivedAtMs / 2)
        let before = offset.milliseconds
        offset.set(claims.iat * 1000 + 500 - deviceMid)
        let measured = offset.milliseconds
        // Persist only a change (a sync must not cost a write for an unchanged offset).
        if persist || measured != before {
            try store.write { db in try SyncState.set(SyncState.Key.clockOffset, measured, in: db) }
        }
    }

    // MARK: Ledger

    /// Fetches the hub's current tree head, checks its signature against the pinned key and that it
    /// extends the head kept from earlier syncs (a consistency proof), then keeps it.
    /// `folded` and `proof` come from a sync answer to `ledgerFrom` (no extra round trip); a hub
    /// that sent none is asked with `GET /ledger/sth` (and a consistency proof when needed).
    func checkTreeHead(_ report: inout SyncReport, folded: SignedTreeHead? = nil, proof: ConsistencyProof? = nil) async throws
        -> SignedTreeHead
    {
        let current: SignedTreeHead
        if let folded {
            current = folded
        } else {
            let bytes = try await exchange(
                SyncHTTPRequest(method: "GET", path: "/api/v1/ledger/sth"), report: &report, authenticated: false)
            current = try HiveJSON.decode(SignedTreeHead.self, from: bytes)
        }
        var head = try LedgerWitness.treeHead(in: store)
        try await advance(&head, to: current, report: &report, provided: folded == nil ? nil : proof)
        guard let head else { throw HiveError(.inconsistent, "no tree head after checking the hub's") }
        try store.write { db in try witness.accept(head, in: db) }
        return head
    }

    /// Checks `candidate` (signature by the pinned key; extends `head`: never smaller, same root at
    /// the same size, a valid consistency proof otherwise) and moves `head` to it. A failed
    /// consistency check raises the witness alarm and throws ``HiveError/Code/inconsistent``.
    /// A `proof` the hub already sent (folded into a sync answer) is used when it covers exactly
    /// this step; otherwise the proof is fetched.
    func advance(
        _ head: inout SignedTreeHead?, to candidate: SignedTreeHead, report: inout SyncReport, provided: ConsistencyProof? = nil
    ) async throws {
        try candidate.check(publicKey: pinnedKey)
        guard let current = head else {
            head = candidate
            return
        }
        do {
            var proof: ConsistencyProof?
            if let provided, provided.firstSize == current.treeSize, provided.secondSize == candidate.treeSize {
                proof = provided
            } else if current.treeSize > 0, candidate.treeSize > current.treeSize {
                let bytes = try await exchange(
                    SyncHTTPRequest(
                        method: "GET",
                        path: "/api/v1/ledger/proof/consistency?first=\(current.treeSize)&second=\(candidate.treeSize)"),
                    report: &report, authenticated: false)
                proof = try HiveJSON.decode(ConsistencyProof.self, from: bytes)
            }
            try LedgerWitness.checkExtends(candidate, from: current, proof: proof)
        } catch let error as HiveError where [.inconsistent, .malformed, .invalidInput].contains(error.code) {
            // invalid-input here is the hub refusing a proof up to a size it signed (404/400).
            try witness.raiseAlarm(error.message, atMs: Int64(clamping: offset.deviceMs))
            throw HiveError(.inconsistent, error.message)
        }
        head = candidate
    }

    // MARK: Authentication

    /// Challenge → signed registration → token; checks the hub's key and adopts its clock offset.
    /// A challenge is single-use, so a registration whose answer was lost starts over with a new one.
    func authenticate(_ report: inout SyncReport) async throws {
        var attempt = 0
        while true {
            do {
                try await authenticateOnce(&report)
                return
            } catch let error as HiveError where error.code == .badSignature || error.code == .inconsistent || error.code == .forbidden {
                throw error
            } catch {
                attempt += 1
                guard attempt < configuration.retry.maxAttempts else { throw error }
                report.retries += 1
                try await Task.sleep(for: .milliseconds(Int64(clamping: configuration.retry.delay(afterAttempts: attempt))))
            }
        }
    }

    func authenticateOnce(_ report: inout SyncReport) async throws {
        let challengeResponse = try await exchange(
            SyncHTTPRequest(method: "POST", path: "/api/v1/twins/challenge"), report: &report, authenticated: false, retries: false)
        let challenge = try HiveJSON.decode(HubWire.Challenge.self, from: challengeResponse)
        let identity = store.identity
        let signature = try identity.sign(
            HubWire.registrationMessage(challenge: challenge.challenge, publicKeyHex: identity.publicKeyHex, userID: configuration.userID))
        let body = try HiveJSON.encode(
            HubWire.RegisterRequest(
                publicKey: identity.publicKeyHex, userID: configuration.userID, metadata: configuration.metadata,
                challenge: challenge.challenge, signature: Data(signature).base64EncodedString()))
        let sentAt = offset.deviceMs
        let answer = try await exchange(
            SyncHTTPRequest(method: "POST", path: "/api/v1/twins", body: Array(body)), report: &report, authenticated: false,
            retries: false)
        let receivedAt = offset.deviceMs
        let registered = try HiveJSON.decode(HubWire.RegisterResponse.self, from: answer)
        guard registered.hubPublicKey.lowercased() == Hex.encode(pinnedKey) else {
            throw HiveError(
                .badSignature,
                "hub answered with key \(registered.hubPublicKey.prefix(16))…, not the pinned \(Hex.encode(pinnedKey).prefix(16))…; refusing to sync")
        }
        guard registered.twinID == store.twinID else {
            throw HiveError(.inconsistent, "hub registered twin \(registered.twinID.prefix(32)), expected \(store.twinID)")
        }
        let claims = try HubWire.verifyToken(registered.accessToken, hubPublicKey: pinnedKey)
        try adopt(token: registered.accessToken, claims: claims, sentAtMs: sentAt, receivedAtMs: receivedAt, persist: true)
    }

    // MARK: Push

    /// Pushes the outbox in `full` batches (each answer carries a pull page, applied like one).
    /// Returns whether the last answer said more pull pages are waiting.
    func push(_ report: inout SyncReport, head: inout SignedTreeHead) async throws -> Bool {
        var morePages = false
        for _ in 0..<configuration.maxRounds {
            let now = Int64(clamping: store.nowMs)
            let cap = Int64(clamping: configuration.retry.capMs)
            // Strict order: stop at the first envelope still backing off. Times in the outbox were
            // written by the store clock, which jumps when the hub's offset is adopted: a never-tried
            // envelope is always due, and a backoff further away than the cap is from the old frame.
            let due = try outbox.pending(limit: configuration.batchSize).prefix {
                $0.attempts == 0 || $0.nextAttemptMs <= now || $0.nextAttemptMs - now > cap
            }
            // Keep the request under the hub's body limit (model updates are large): estimate each
            // envelope's JSON size (base64 payload plus fixed fields), at least one per batch.
            var bytes = 0
            let items = due.prefix { item in
                bytes += item.envelope.payload.count * 4 / 3 + 512
                return bytes <= configuration.maxBatchBytes || item.sequence == due.first?.sequence
            }
            guard !items.isEmpty else { return morePages }
            var envelopes: [SignedEnvelope] = []
            for item in items {
                let (envelope, restamped) = try transportEnvelope(item.envelope)
                envelopes.append(envelope)
                if restamped { report.restamped += 1 }
            }
            // `full`: the answer also carries what the hub published since the cursor, including what
            // this push caused (a skill it published), without another round trip.
            let since = try SyncState.load(from: store).cursor
            let request = try OmegaSyncRequest(
                type: .full, since: since, envelopes: envelopes, maxPullCount: configuration.pullCount, ledgerFrom: head.treeSize)
            let response: OmegaSyncResponse
            let receipts: [String: InclusionReceipt]
            let ledger: HubWire.SyncReceipts
            do {
                (response, ledger) = try await syncExchange(request, report: &report)
                receipts = ledger.receipts ?? [:]
            } catch {
                try recordFailure(Array(items), error: error)
                throw error
            }
            let sent = Dictionary(envelopes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            if response.metadata.viewerRank > 0 { report.viewerRank = response.metadata.viewerRank }
            let byID = Dictionary(response.results.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            var delivered: [Int64] = []
            var dead: [(Int64, String)] = []
            var missing: [OutboxItem] = []
            for item in items {
                guard let result = byID[item.envelope.id] else {
                    missing.append(item)
                    continue
                }
                switch result.status {
                case .accepted:
                    report.accepted += 1
                    delivered.append(item.sequence)
                case .duplicate:
                    report.duplicates += 1
                    delivered.append(item.sequence)
                case .rejected:
                    report.rejected += 1
                    dead.append((item.sequence, "rejected by hub: \(result.reason ?? "no reason given")"))
                }
            }
            // Receipts: inclusion of the entry rebuilt from what was sent, then the receipt's head
            // against the round's head. A bad receipt does not undo delivery (the hub holds the
            // envelope); it fails the round after the marks are written.
            var verified: [(String, InclusionReceipt)] = []
            var receiptFailure: HiveError?
            var newHead: SignedTreeHead? = head
            do {
                for result in response.results where result.status == .accepted {
                    guard let envelope = sent[result.id] else { continue }
                    guard let receipt = receipts[result.id] else {
                        report.receiptsMissing += 1
                        continue
                    }
                    try witness.checkReceipt(receipt, for: envelope, twinID: store.twinID)
                    verified.append((result.id, receipt))
                }
                for treeHead in Set(verified.map(\.1.treeHead)).sorted(by: { $0.treeSize < $1.treeSize }) {
                    let provided = ledger.treeHead == treeHead ? ledger.consistency : nil
                    try await advance(&newHead, to: treeHead, report: &report, provided: provided)
                }
            } catch let error as HiveError {
                if [.inconsistent, .badSignature, .malformed].contains(error.code) {
                    try witness.raiseAlarm(error.message, atMs: Int64(clamping: offset.deviceMs))
                }
                receiptFailure = error
                verified = []
            }
            let deviceNow = Int64(clamping: store.nowMs)
            let acceptedHead = receiptFailure == nil ? newHead : nil
            try store.write { db in
                let mark = try db.cachedStatement(
                    sql: "UPDATE outbox SET state = 'delivered', delivered_ms = ?, attempts = attempts + 1 WHERE seq = ? AND state = 'pending'")
                for sequence in delivered { try mark.execute(arguments: [deviceNow, sequence]) }
                let bury = try db.cachedStatement(
                    sql: "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE seq = ? AND state = 'pending'")
                for (sequence, reason) in dead { try bury.execute(arguments: [String(reason.prefix(500)), sequence]) }
                for (id, receipt) in verified { try witness.keep(receipt, envelopeID: id, in: db) }
                if let acceptedHead { try witness.accept(acceptedHead, in: db) }
            }
            if let receiptFailure { throw receiptFailure }
            if let acceptedHead { head = acceptedHead }
            report.receiptsVerified += verified.count
            morePages = try apply(response, since: since, report: &report)
            if !missing.isEmpty {
                try recordFailure(missing, error: HiveError(.inconsistent, "the hub returned no result for the envelope"))
                return morePages
            }
        }
        return morePages
    }

    /// Re-signs the outer stamp when it must change for transport (see the type's documentation).
    func transportEnvelope(_ envelope: SignedEnvelope) throws -> (SignedEnvelope, Bool) {
        let identity = store.identity
        let hubNow = store.offsetAwareHubNow(offset)
        var physical = envelope.stamp.physicalMs
        if physical > hubNow, physical - hubNow > configuration.restampSlackMs { physical = hubNow }
        let stamp = HLCTimestamp(physicalMs: physical, logical: envelope.stamp.logical, nodeID: identity.nodeID)
        guard stamp != envelope.stamp else { return (envelope, false) }
        guard envelope.signer == identity.publicKey else { return (envelope, false) }
        return (try SignedEnvelope.sign(payload: envelope.payload, kind: envelope.kind, stamp: stamp, identity: identity), true)
    }

    /// Schedules a backoff for `items` after a failed exchange (dead-letters after `maxAttempts`).
    func recordFailure(_ items: [OutboxItem], error: any Error) throws {
        let now = Int64(clamping: store.nowMs)
        let message = String(String(describing: error).prefix(500))
        let policy = configuration.retry
        try store.write { db in
            for item in items {
                let attempts = item.attempts + 1
                if attempts >= policy.maxAttempts * 4 {
                    // Transport failures are not the envelope's fault: allow many more rounds before giving up.
                    try db.execute(
                        sql: "UPDATE outbox SET state = 'dead', attempts = ?, last_error = ? WHERE seq = ? AND state = 'pending'",
                        arguments: [attempts, message, item.sequence])
                } else {
                    try db.execute(
                        sql: "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_ms = ? WHERE seq = ? AND state = 'pending'",
                        arguments: [attempts, message, now + Int64(clamping: policy.delay(afterAttempts: min(attempts, 8))), item.sequence])
                }
            }
        }
    }

    // MARK: Pull

    /// Pulls since the persisted cursor, page by page. The first request asks for the ledger check
    /// (`ledgerFrom`), which is verified before anything is applied (and before anything is
    /// pushed); returns the round's tree head.
    func pull(_ report: inout SyncReport) async throws -> SignedTreeHead {
        var head: SignedTreeHead?
        for _ in 0..<configuration.maxRounds {
            let since = try SyncState.load(from: store).cursor
            let ledgerFrom = head == nil ? (try LedgerWitness.treeHead(in: store)?.treeSize ?? 0) : nil
            let request = try OmegaSyncRequest(
                type: .pull, since: since, maxPullCount: configuration.pullCount, ledgerFrom: ledgerFrom)
            let (response, ledger) = try await syncExchange(request, report: &report)
            if head == nil { head = try await checkTreeHead(&report, folded: ledger.treeHead, proof: ledger.consistency) }
            guard try apply(response, since: since, report: &report) else { break }
        }
        guard let head else { throw HiveError(.inconsistent, "no tree head after pulling") }
        return head
    }

    /// Pulls the remaining pages after a push answer said more is waiting.
    func pullRemaining(_ report: inout SyncReport) async throws {
        for _ in 0..<configuration.maxRounds {
            let since = try SyncState.load(from: store).cursor
            let request = try OmegaSyncRequest(type: .pull, since: since, maxPullCount: configuration.pullCount)
            let (response, _) = try await syncExchange(request, report: &report)
            guard try apply(response, since: since, report: &report) else { return }
        }
    }

    /// Verifies the pull page an answer carries (hub signature, `since`) and applies it with the
    /// cursor in one transaction. Returns whether more pages are waiting.
    func apply(_ response: OmegaSyncResponse, since: Int64, report: inout SyncReport) throws -> Bool {
        report.nextSyncRecommendedMs = response.metadata.nextSyncRecommended
        if response.metadata.viewerRank > 0 { report.viewerRank = response.metadata.viewerRank }
        guard let pull = response.pull, let signature = response.pullSignature else {
            throw HiveError(.malformed, "the hub's pull answer carries no pull or no signature")
        }
        try signature.verify(pull, domain: SyncPull.signatureDomain, hubPublicKey: pinnedKey)
        guard pull.since == since, pull.cursor >= since else {
            throw HiveError(.inconsistent, "pull answers since \(pull.since) → \(pull.cursor); asked since \(since)")
        }
        let conflicts = configuration.conflicts
        let now = Int64(clamping: store.nowMs)
        let applied = try store.write { db -> SyncReport in
            var part = SyncReport()
            // Re-check inside the writer: a concurrent sync may have applied this page already.
            let current = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [SyncState.Key.cursor]) ?? 0
            guard current == since else { return part }
            for pattern in pull.patterns {
                if try knowledge.apply(pattern, strategy: conflicts.patterns, nowMs: now, in: db) { part.conflictsResolved += 1 }
                part.patternsPulled += 1
            }
            for delta in pull.modelDeltas {
                let (rows, collided) = try knowledge.apply(delta, strategy: conflicts.modelRows, in: db)
                part.modelRowsPulled += rows
                part.conflictsResolved += collided
            }
            for skill in pull.skills {
                let (applied, collided) = try knowledge.apply(skill: skill, strategy: conflicts.skills, nowMs: now, in: db)
                if applied { part.skillsPulled += 1 }
                if collided { part.conflictsResolved += 1 }
            }
            try SyncState.set(SyncState.Key.cursor, pull.cursor, in: db)
            try SyncState.set(SyncState.Key.pullSignature, signature.value, in: db)
            return part
        }
        report.patternsPulled += applied.patternsPulled
        report.modelRowsPulled += applied.modelRowsPulled
        report.skillsPulled += applied.skillsPulled
        report.conflictsResolved += applied.conflictsResolved
        return pull.hasMore && pull.cursor != since
    }

    // MARK: Exchanges

    /// One `POST /sync`: the hub's answer plus what the hub adds to it (ledger receipts by envelope
    /// id; the tree head and consistency proof when `ledgerFrom` was sent). The fresh token the
    /// answer carries is verified against the pinned key and kept for the next exchange.
    func syncExchange(_ request: OmegaSyncRequest, report: inout SyncReport) async throws
        -> (OmegaSyncResponse, HubWire.SyncReceipts)
    {
        let body = Array(try HiveJSON.encode(request))
        let sentAt = offset.deviceMs
        let bytes = try await exchange(SyncHTTPRequest(method: "POST", path: "/api/v1/sync", body: body), report: &report, authenticated: true)
        let receivedAt = offset.deviceMs
        let answer = try HiveJSON.decode(HubWire.SyncAnswer.self, from: bytes)
        let response = answer.response
        if !response.accessToken.isEmpty {
            let claims = try HubWire.verifyToken(response.accessToken, hubPublicKey: pinnedKey)
            try adopt(token: response.accessToken, claims: claims, sentAtMs: sentAt, receivedAtMs: receivedAt)
        }
        return (response, answer.extras)
    }

    /// Reads the hub's model shape (`GET /api/v1/hub`, key checked against the pin) and keeps it
    /// for local training; nil when the hub publishes no model.
    public func refreshModelShape() async throws -> (itemCount: Int, rank: Int)? {
        var report = SyncReport()
        let bytes = try await exchange(SyncHTTPRequest(method: "GET", path: "/api/v1/hub"), report: &report, authenticated: false)
        let info = try HiveJSON.decode(HubWire.HubInfo.self, from: bytes)
        guard info.publicKey.lowercased() == Hex.encode(pinnedKey) else {
            throw HiveError(.badSignature, "hub answered with key \(info.publicKey.prefix(16))…, not the pinned one")
        }
        guard let model = info.model else { return nil }
        guard model.itemCount >= 1, model.itemCount <= 10_000_000, model.rank >= 1, model.rank < ModelRowsDelta.maxDimension else {
            throw HiveError(.malformed, "hub model shape \(model.itemCount) items × rank \(model.rank) is out of range")
        }
        try store.write { db in
            try SyncState.set(SyncState.Key.modelItems, model.itemCount, in: db)
            try SyncState.set(SyncState.Key.modelRank, model.rank, in: db)
        }
        return (model.itemCount, model.rank)
    }

    /// Sends with retries: connection errors, 5xx and 429 back off (full jitter) and retry; 401
    /// re-authenticates once; other 4xx fail at once with the hub's problem detail.
    func exchange(_ request: SyncHTTPRequest, report: inout SyncReport, authenticated: Bool, retries: Bool = true) async throws
        -> [UInt8]
    {
        var attempt = 0
        var reauthenticated = false
        while true {
            var request = request
            if authenticated { request.bearer = token }
            var failure: any Error
            do {
                let response = try await transport.send(request)
                switch response.status {
                case 200..<300:
                    return response.body
                case 401 where authenticated && !reauthenticated:
                    reauthenticated = true
                    try await authenticate(&report)
                    continue
                case 429, 500...599:
                    failure = HiveError(.unavailable, "\(request.path) answered \(response.status): \(Self.detail(response.body))")
                default:
                    throw HiveError(
                        response.status == 403 ? .forbidden : response.status == 401 ? .unauthorized : .invalidInput,
                        "\(request.path) answered \(response.status): \(Self.detail(response.body))")
                }
            } catch let error as HiveError where error.code != .unavailable {
                throw error
            } catch {
                failure = error
            }
            attempt += 1
            guard retries, attempt < configuration.retry.maxAttempts else {
                throw HiveError(.unavailable, "hub unreachable after \(attempt) attempts: \(String(describing: failure).prefix(300))")
            }
            report.retries += 1
            let delay = configuration.retry.delay(afterAttempts: attempt)
            try await Task.sleep(for: .milliseconds(Int64(clamping: delay)))
        }
    }

    static func detail(_ body: [UInt8]) -> String {
        if let problem = try? HiveJSON.decode(HubWire.Problem.self, from: body) {
            return [problem.title, problem.detail].compactMap { $0 }.joined(separator: ": ")
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }
}

extension TwinStore {
    /// Best estimate of the hub's clock: the device clock plus the measured offset.
    func offsetAwareHubNow(_ offset: HubClockOffset) -> UInt64 {
        UInt64(max(0, Int64(clamping: offset.deviceMs) &+ offset.milliseconds))
    }
}
