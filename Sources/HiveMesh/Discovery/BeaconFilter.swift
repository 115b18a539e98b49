import HiveCore

/// What a node does with received beacons, without sockets: rate limiting, signature check,
/// cluster and allow-list filters, replay refusal. ``MeshDiscovery`` feeds it datagrams.
public struct BeaconFilter: Sendable {
    /// Why a datagram was not acted on.
    public enum Refusal: String, Sendable, Hashable, CaseIterable {
        /// Dropped by the rate limit before it was read.
        case rateLimited
        /// Oversized, not a beacon, or malformed.
        case malformed
        /// The signature does not verify under the key the beacon carries.
        case forged
        /// Another cluster's beacon, or a sender outside the allowed set.
        case foreign
        /// Not newer than the last beacon taken from that sender, too soon after it, or its clock is off.
        case stale
    }

    /// A peer to dial.
    public struct Discovered: Sendable, Hashable {
        public var nodeID: String
        public var address: MeshAddress
    }

    public let configuration: MeshDiscoveryConfiguration
    public let localKey: [UInt8]
    public let allowedPeers: Set<String>?
    /// Refusals so far, by reason.
    public private(set) var refused: [Refusal: Int] = [:]
    /// Beacons acted on so far.
    public private(set) var accepted = 0

    private var tokens: Double
    private var refilledMs: UInt64?
    private var lastFrom: [String: (sentMs: UInt64, seenMs: UInt64)] = [:]

    public init(configuration: MeshDiscoveryConfiguration, localKey: [UInt8], allowedPeers: Set<String>? = nil) {
        self.configuration = configuration
        self.localKey = localKey
        self.allowedPeers = allowedPeers
        self.tokens = max(1, configuration.burst)
    }

    /// Takes one datagram from `source` (the sender's IP) received at `nowMs`.
    public mutating func take(_ datagram: [UInt8], source: String?, nowMs: UInt64) -> Result<Discovered, HiveError> {
        guard admit(nowMs: nowMs) else { return refuse(.rateLimited, "beacon rate limit reached") }
        let opened: (beacon: MeshBeacon, key: [UInt8], listen: MeshAddress)
        do {
            opened = try MeshBeacon.open(datagram, maxBytes: configuration.maxBeaconBytes)
        } catch let error as HiveError {
            return refuse(error.code == .badSignature ? .forged : .malformed, error.message)
        } catch {
            return refuse(.malformed, "\(error)")
        }
        let (beacon, key) = (opened.beacon, opened.key)
        let nodeID = NodeIdentity.nodeID(forPublicKey: key)
        // Our own beacons come back to us (multicast loop): ignored, not counted as refusals.
        guard key != localKey else { return .failure(HiveError(.invalidInput, "our own beacon")) }
        guard beacon.cluster == configuration.cluster else { return refuse(.foreign, "beacon of another cluster") }
        if let allowedPeers, !allowedPeers.contains(nodeID) { return refuse(.foreign, "sender \(nodeID) is not allowed") }
        let skew = beacon.sentMs > nowMs ? beacon.sentMs - nowMs : nowMs - beacon.sentMs
        guard skew <= configuration.maxSkewMs else { return refuse(.stale, "beacon clock is \(skew) ms off") }
        if let last = lastFrom[nodeID] {
            guard beacon.sentMs > last.sentMs else { return refuse(.stale, "beacon replayed or out of order") }
            guard nowMs >= last.seenMs + configuration.minPeerIntervalMs else { return refuse(.stale, "sender beacons too often") }
        }
        if lastFrom[nodeID] == nil, lastFrom.count >= max(1, configuration.maxTrackedSenders),
            let stalest = lastFrom.min(by: { $0.value.seenMs < $1.value.seenMs })?.key
        {
            lastFrom[stalest] = nil
        }
        lastFrom[nodeID] = (beacon.sentMs, nowMs)
        var address = opened.listen
        if Self.isUnspecified(address.host), let source { address.host = source }
        accepted += 1
        return .success(Discovered(nodeID: nodeID, address: address))
    }

    /// Token bucket: refills at `maxBeaconsPerSecond`, holds at most `burst`.
    private mutating func admit(nowMs: UInt64) -> Bool {
        if let refilledMs, nowMs > refilledMs {
            tokens = min(max(1, configuration.burst), tokens + Double(nowMs - refilledMs) / 1_000 * configuration.maxBeaconsPerSecond)
        }
        refilledMs = max(refilledMs ?? nowMs, nowMs)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    private mutating func refuse(_ reason: Refusal, _ message: String) -> Result<Discovered, HiveError> {
        refused[reason, default: 0] += 1
        return .failure(HiveError(reason == .forged ? .badSignature : .invalidInput, message))
    }

    static func isUnspecified(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" || host.isEmpty }
}
