import Foundation
import HiveCore

/// Everything that travels between two mesh peers, one per frame.
///
/// Wire form: JSON `{"type": "...", "body": {...}}`, inside a length-prefixed frame (see
/// ``MeshFrameDecoder``). Signed envelopes travel whole, with their original signature and id.
public enum MeshMessage: Sendable, Hashable {
    /// Handshake step 1 (both sides): key, fresh nonce, listen address.
    case hello(MeshHello)
    /// Handshake step 2 (both sides): signature over the transcript.
    case auth(MeshAuth)
    /// Anti-entropy request: "send what you have after these cursors".
    case pull(AntiEntropyPull)
    /// Anti-entropy answer: missing envelopes and snapshot diffs.
    case push(AntiEntropyPush)
    /// SWIM direct probe (also carries piggybacked membership updates).
    case ping(SwimPing)
    /// SWIM acknowledgement.
    case ack(SwimAck)
    /// SWIM indirect probe request: "probe `target` for me".
    case pingReq(SwimPingRequest)
    /// Leader election and announcements.
    case election(ElectionMessage)
}

extension MeshMessage: Codable {
    enum CodingKeys: String, CodingKey { case type, body }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "hello": self = .hello(try container.decode(MeshHello.self, forKey: .body))
        case "auth": self = .auth(try container.decode(MeshAuth.self, forKey: .body))
        case "pull": self = .pull(try container.decode(AntiEntropyPull.self, forKey: .body))
        case "push": self = .push(try container.decode(AntiEntropyPush.self, forKey: .body))
        case "ping": self = .ping(try container.decode(SwimPing.self, forKey: .body))
        case "ack": self = .ack(try container.decode(SwimAck.self, forKey: .body))
        case "ping-req": self = .pingReq(try container.decode(SwimPingRequest.self, forKey: .body))
        case "election": self = .election(try container.decode(ElectionMessage.self, forKey: .body))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown mesh message type \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .hello(let body): try container.encode("hello", forKey: .type); try container.encode(body, forKey: .body)
        case .auth(let body): try container.encode("auth", forKey: .type); try container.encode(body, forKey: .body)
        case .pull(let body): try container.encode("pull", forKey: .type); try container.encode(body, forKey: .body)
        case .push(let body): try container.encode("push", forKey: .type); try container.encode(body, forKey: .body)
        case .ping(let body): try container.encode("ping", forKey: .type); try container.encode(body, forKey: .body)
        case .ack(let body): try container.encode("ack", forKey: .type); try container.encode(body, forKey: .body)
        case .pingReq(let body): try container.encode("ping-req", forKey: .type); try container.encode(body, forKey: .body)
        case .election(let body): try container.encode("election", forKey: .type); try container.encode(body, forKey: .body)
        }
    }

    /// Short name for logs and errors.
    public var typeName: String {
        switch self {
        case .hello: "hello"
        case .auth: "auth"
        case .pull: "pull"
        case .push: "push"
        case .ping: "ping"
        case .ack: "ack"
        case .pingReq: "ping-req"
        case .election: "election"
        }
    }
}
