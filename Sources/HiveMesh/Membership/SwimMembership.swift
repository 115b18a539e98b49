import Foundation

/// SWIM membership state of one node: the member table, suspicion deadlines and the queue of
/// updates to piggyback. Pure state; the probing itself is driven by ``MeshNode``.
public struct SwimMembership: Sendable {
    /// One known member.
    public struct Member: Sendable, Hashable {
        public var update: MemberUpdate
        /// When a suspect becomes dead (ms), if suspect.
        public var suspectDeadlineMs: UInt64?
        public var nodeID: String { update.nodeID }
        public var status: MemberStatus { update.status }
    }

    public let localID: String
    public let configuration: SwimConfiguration
    /// This node's own incarnation (raised to refute suspicion).
    public private(set) var incarnation: UInt64 = 0
    public private(set) var localAddress: MeshAddress?
    /// Other members by node id.
    public private(set) var members: [String: Member] = [:]
    private var pending: [MemberUpdate: Int] = [:]  // update → remaining transmissions
    private var probeOrder: [String] = []

    public init(localID: String, address: MeshAddress?, configuration: SwimConfiguration) {
        self.localID = localID
        self.localAddress = address
        self.configuration = configuration
    }

    /// Group size including this node.
    public var size: Int { members.count + 1 }

    /// Ids of members currently alive (not this node).
    public var aliveIDs: [String] { members.values.filter { $0.status == .alive }.map(\.nodeID).sorted() }

    /// Ids considered live for leadership: alive or only suspect (this node included).
    public var liveIDs: [String] { (members.values.filter { $0.status != .dead }.map(\.nodeID) + [localID]).sorted() }

    /// Our own current record.
    public var localUpdate: MemberUpdate { MemberUpdate(nodeID: localID, address: localAddress, status: .alive, incarnation: incarnation) }

    /// Applies a gossiped or observed update; returns whether it changed the table.
    @discardableResult
    public mutating func apply(_ update: MemberUpdate, nowMs: UInt64) -> Bool {
        if update.nodeID == localID {
            // Someone suspects or buried us: refute with a higher incarnation.
            if update.status != .alive && update.incarnation >= incarnation {
                incarnation = update.incarnation + 1
                enqueue(localUpdate)
                return true
            }
            return false
        }
        var incoming = update
        if let current = members[update.nodeID] {
            guard update.supersedes(current.update) else { return false }
            if incoming.address == nil { incoming.address = current.update.address }
        }
        let deadline = incoming.status == .suspect ? nowMs + configuration.suspicionTimeoutMs(members: size) : nil
        members[update.nodeID] = Member(update: incoming, suspectDeadlineMs: deadline)
        enqueue(incoming)
        return true
    }

    /// A member answered (directly or through a helper): if we held it suspect at its
    /// incarnation, that suspicion stands until it refutes; a fresh member is added alive.
    public mutating func observedAlive(_ nodeID: String, address: MeshAddress?, nowMs: UInt64) {
        if members[nodeID] == nil {
            apply(MemberUpdate(nodeID: nodeID, address: address, status: .alive, incarnation: 0), nowMs: nowMs)
        } else if let address, members[nodeID]?.update.address == nil {
            members[nodeID]?.update.address = address
        }
    }

    /// A probe of `nodeID` failed directly and indirectly: mark it suspect.
    public mutating func suspect(_ nodeID: String, nowMs: UInt64) {
        guard let current = members[nodeID], current.status == .alive else { return }
        apply(MemberUpdate(nodeID: nodeID, address: current.update.address, status: .suspect, incarnation: current.update.incarnation), nowMs: nowMs)
    }

    /// Declares suspects whose deadline passed dead; returns their ids.
    public mutating func expireSuspects(nowMs: UInt64) -> [String] {
        var dead: [String] = []
        for (id, member) in members where member.status == .suspect {
            if let deadline = member.suspectDeadlineMs, deadline <= nowMs {
                apply(MemberUpdate(nodeID: id, address: member.update.address, status: .dead, incarnation: member.update.incarnation), nowMs: nowMs)
                dead.append(id)
            }
        }
        return dead.sorted()
    }

    /// The next member to probe: round-robin over a shuffled list (SWIM's bounded detection time).
    public mutating func nextProbeTarget() -> String? {
        let candidates = members.values.filter { $0.status != .dead }.map(\.nodeID)
        guard !candidates.isEmpty else { return nil }
        while let next = probeOrder.popLast() {
            if let member = members[next], member.status != .dead { return next }
        }
        probeOrder = candidates.shuffled()
        return probeOrder.popLast()
    }

    /// Up to `k` random alive members other than `target`, to ask for indirect probes.
    public func helpers(excluding target: String) -> [String] {
        Array(aliveIDs.filter { $0 != target }.shuffled().prefix(configuration.indirectChecks))
    }

    /// Updates to piggyback on the next message (each sent a bounded number of times).
    public mutating func piggyback() -> [MemberUpdate] {
        let chosen = pending.sorted { $0.value > $1.value }.prefix(configuration.maxPiggyback).map(\.key)
        for update in chosen {
            let left = (pending[update] ?? 1) - 1
            pending[update] = left > 0 ? left : nil
        }
        // Our own record rides along so peers learn our address and incarnation.
        return chosen + [localUpdate]
    }

    /// Every record we hold, our own included: the full state exchanged by a push-pull sync.
    /// Piggybacking sends each update a bounded number of times to whoever we happen to talk to,
    /// so a member can miss another's record for good (two nodes that joined through the same seed
    /// while it spent its retransmissions elsewhere never hear of each other); memberlist closes the
    /// same gap with its periodic push/pull state sync.
    public var fullState: [MemberUpdate] { members.values.map(\.update) + [localUpdate] }

    /// Our record of `nodeID` when we hold it suspect or dead: sent to that very node whenever we
    /// talk to it, so it can refute at once (disseminating by piggyback alone may never reach the
    /// subject before its retransmit budget runs out, and dead members are not probed).
    public func refutable(_ nodeID: String) -> MemberUpdate? {
        guard let member = members[nodeID], member.status != .alive else { return nil }
        return member.update
    }

    /// Dead members among `candidates`, to ping now and then while a connection to them is open
    /// ("gossip to the dead"): a member buried while it was only slow learns of it and refutes.
    public func dead(among candidates: some Sequence<String>) -> [String] {
        candidates.filter { members[$0]?.status == .dead }
    }

    /// Queues our current record of `nodeID` for dissemination again (when it is not alive).
    public mutating func regossip(_ nodeID: String) {
        guard let member = members[nodeID], member.status != .alive else { return }
        enqueue(member.update)
    }

    private mutating func enqueue(_ update: MemberUpdate) {
        pending = pending.filter { $0.key.nodeID != update.nodeID }
        pending[update] = configuration.retransmits(members: size)
    }
}
