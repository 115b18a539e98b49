/// A hybrid logical clock stamp (Kulkarni et al. 2014): physical milliseconds and a logical
/// counter packed 48+16 bits, plus the node id that breaks ties between nodes.
///
/// Order: packed value first, then node id (bytewise). On the wire it is the string
/// `"<16 hex digits>-<node id>"`, because a 64-bit integer does not survive JSON's doubles.
public struct HLCTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Physical time (ms since the Unix epoch, 48 bits) << 16 | logical counter.
    public let packed: UInt64
    /// The node that issued the stamp.
    public let nodeID: String

    /// Largest representable physical time (48 bits of milliseconds: year 10889).
    public static let maxPhysicalMs: UInt64 = (1 << 48) - 1

    public init(physicalMs: UInt64, logical: UInt16, nodeID: String) {
        self.packed = (min(physicalMs, Self.maxPhysicalMs) << 16) | UInt64(logical)
        self.nodeID = nodeID
    }

    public init(packed: UInt64, nodeID: String) {
        self.packed = packed
        self.nodeID = nodeID
    }

    /// Milliseconds since the Unix epoch.
    public var physicalMs: UInt64 { packed >> 16 }
    /// Logical counter within the same millisecond.
    public var logical: UInt16 { UInt16(truncatingIfNeeded: packed) }

    /// The smallest stamp; earlier than every real one.
    public static let zero = HLCTimestamp(packed: 0, nodeID: "")

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool {
        if lhs.packed != rhs.packed { return lhs.packed < rhs.packed }
        return lhs.nodeID.utf8.lexicographicallyPrecedes(rhs.nodeID.utf8)
    }

    public var description: String {
        let hex = String(packed, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "-" + nodeID
    }

    /// Parses the wire form; `nil` when malformed.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 17, utf8.count <= 17 + 64, utf8[16] == UInt8(ascii: "-"),
            let packed = UInt64(String(decoding: utf8[0..<16], as: UTF8.self), radix: 16)
        else { return nil }
        let node = String(decoding: utf8[17...], as: UTF8.self)
        guard node.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") })
        else { return nil }
        self.init(packed: packed, nodeID: node)
    }
}

extension HLCTimestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let stamp = HLCTimestamp(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an HLC stamp (\"<16 hex>-<node id>\")")
        }
        self = stamp
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
