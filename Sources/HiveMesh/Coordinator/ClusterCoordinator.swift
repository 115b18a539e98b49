/// Leader selection among live mesh members, with terms as fencing tokens.
///
/// - **Deterministic.** The leader is the live member with the smallest node id. Only that node
///   stands, and a member grants its vote only to a candidate no larger than the smallest live id
///   in its own view.
/// - **At most one leader per term.** A candidate raises the term and needs votes from a
///   majority of all known members (dead ones included in the denominator); a member votes at
///   most once per term. Two majorities of the same set intersect, so two nodes cannot both win
///   one term. A leader that no longer sees a majority alive steps down.
/// - **Bounded failover.** The leader announces itself every tick; members hold a lease of
///   ``leaseMs`` and refuse votes to anyone else while it runs. When the leader dies, SWIM
///   declares it dead within `probeInterval · (1 + suspicionMultiplier · max(1, log10 N))` plus
///   the ack timeout, the next-smallest id stands on its next tick and wins after one round trip.
///
/// Votes are kept in memory: a node that restarts forgets whom it voted for, so it must not be
/// given a vote in the term it crashed in — it joins with term 0 and adopts the current term from
/// the next announcement, which is always higher than any term it could have voted in... unless it
/// restarts within one term; documented in docs/mesh.md as a known limitation.
public struct ClusterCoordinator: Sendable {
    public let localID: String
    /// How long an announcement keeps followers loyal, in ms.
    public var leaseMs: UInt64
    /// Give up a candidacy not won within this time, in ms.
    public var electionTimeoutMs: UInt64

    public private(set) var currentTerm: UInt64 = 0
    public private(set) var leader: String?
    public private(set) var isLeader = false
    private var votedFor: String?
    private var lastHeardMs: UInt64 = 0
    private var candidacy: (term: UInt64, votes: Set<String>, deadlineMs: UInt64)?

    /// Members the cluster is configured to have; majorities are taken over the larger of this and
    /// the members known. Set it when the group size is known: two halves that have not met yet
    /// then cannot each find a "majority" of their own smaller view.
    public var expectedClusterSize: Int

    public init(localID: String, leaseMs: UInt64 = 600, electionTimeoutMs: UInt64 = 500, expectedClusterSize: Int = 0) {
        self.localID = localID
        self.expectedClusterSize = expectedClusterSize
        self.leaseMs = leaseMs
        self.electionTimeoutMs = electionTimeoutMs
    }

    /// The token for a task coordinated now, if this node leads.
    public var fencingToken: FencingToken? { isLeader ? FencingToken(term: currentTerm, leader: localID) : nil }

    static func majority(_ clusterSize: Int) -> Int { max(1, clusterSize) / 2 + 1 }

    private func quorum(_ clusterSize: Int) -> Int { Self.majority(max(clusterSize, expectedClusterSize)) }

    private func hasLiveLeader(nowMs: UInt64, live: [String]) -> Bool {
        guard let leader else { return false }
        if leader == localID { return isLeader }
        return live.contains(leader) && nowMs < lastHeardMs + leaseMs
    }

    /// Periodic step: heartbeat when leading, stand when due. Returns messages to broadcast.
    public mutating func tick(nowMs: UInt64, live: [String], clusterSize: Int) -> [ElectionMessage] {
        if isLeader {
            if live.count < quorum(clusterSize) || (live.min() ?? localID) < localID {
                // Cut off from the majority, or a smaller id is alive (it should lead): stop acting.
                isLeader = false
                leader = nil
                return []
            }
            return [ElectionMessage(kind: .announce, term: currentTerm, candidate: localID)]
        }
        if let candidacy, nowMs >= candidacy.deadlineMs { self.candidacy = nil }
        let deferToLeader = hasLiveLeader(nowMs: nowMs, live: live) && (leader ?? localID) < localID
        // A lone node (or one below quorum of the expected size) never stands: it could not win anyway.
        guard candidacy == nil, live.min() == localID, !deferToLeader, live.count >= quorum(clusterSize), clusterSize >= 2
        else { return [] }
        currentTerm += 1
        votedFor = localID
        candidacy = (currentTerm, [localID], nowMs + electionTimeoutMs)
        if 1 >= quorum(clusterSize) { return win() }
        return [ElectionMessage(kind: .requestVote, term: currentTerm, candidate: localID)]
    }

    /// Handles an election message from `sender`; returns replies as (recipient or nil for all, message).
    public mutating func handle(
        _ message: ElectionMessage, from sender: String, nowMs: UInt64, live: [String], clusterSize: Int
    ) -> [(to: String?, message: ElectionMessage)] {
        switch message.kind {
        case .requestVote:
            if message.term > currentTerm { adopt(term: message.term) }
            let eligible = message.candidate == sender && message.candidate <= (live.min() ?? message.candidate)
            let free = votedFor == nil || votedFor == message.candidate
            // Loyal to a live leader with a smaller id than the candidate (the deterministic choice).
            let loyal = hasLiveLeader(nowMs: nowMs, live: live) && leader != message.candidate
                && (leader ?? message.candidate) < message.candidate
            let granted = message.term == currentTerm && eligible && free && !loyal
            if granted { votedFor = message.candidate }
            return [(sender, ElectionMessage(kind: .vote, term: message.term, candidate: message.candidate, granted: granted))]
        case .vote:
            if message.term > currentTerm {
                adopt(term: message.term)
                return []
            }
            guard message.granted == true, message.candidate == localID, var running = candidacy,
                running.term == message.term, message.term == currentTerm
            else { return [] }
            running.votes.insert(sender)
            candidacy = running
            if running.votes.count >= quorum(clusterSize) { return win().map { (nil, $0) } }
            return []
        case .announce:
            guard message.term >= currentTerm, message.candidate == sender else { return [] }
            if message.term > currentTerm { adopt(term: message.term) }
            guard !(isLeader && message.candidate != localID) else { return [] }  // same term: impossible by majority
            leader = message.candidate
            lastHeardMs = nowMs
            candidacy = nil
            return []
        }
    }

    private mutating func adopt(term: UInt64) {
        currentTerm = term
        votedFor = nil
        isLeader = false
        candidacy = nil
        if leader == localID { leader = nil }
    }

    private mutating func win() -> [ElectionMessage] {
        isLeader = true
        leader = localID
        candidacy = nil
        return [ElectionMessage(kind: .announce, term: currentTerm, candidate: localID)]
    }
}
