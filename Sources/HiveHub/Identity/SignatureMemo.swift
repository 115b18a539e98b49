import Foundation
import HiveCore
import Synchronization

/// One key's signatures over recently signed messages, so an identical message is not signed
/// again. Sync pulls are the case: every twin at the same cursor gets the same page (an empty one,
/// mostly), and re-signing it cost an Ed25519 signature per pull.
///
/// Safe because Ed25519 signing is deterministic (RFC 8032 §5.1.6: the nonce is a hash of the key
/// and the message), so a remembered signature is byte for byte the one signing again would give;
/// the memo is keyed by the exact signed bytes. Bounded in entries and in message size: when full
/// it starts over.
public final class SignatureMemo: Sendable {
    private let signatures = Mutex<[[UInt8]: [UInt8]]>([:])
    /// The key every signature in the memo is made with.
    public let identity: NodeIdentity
    let capacity: Int
    /// Messages longer than this are signed every time (pages with content are rarely repeated).
    let maxMessageBytes: Int

    public init(identity: NodeIdentity, capacity: Int = 4_096, maxMessageBytes: Int = 4_096) {
        self.identity = identity
        self.capacity = max(1, capacity)
        self.maxMessageBytes = maxMessageBytes
    }

    /// The signature of `message` by ``identity`` (from the memo when this exact message was signed before).
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard message.count <= maxMessageBytes else { return try identity.sign(message) }
        if let known = signatures.withLock({ $0[message] }) { return known }
        let signature = try identity.sign(message)
        signatures.withLock { signatures in
            if signatures.count >= capacity { signatures.removeAll(keepingCapacity: true) }
            signatures[message] = signature
        }
        return signature
    }

    /// ``HubSignature/sign(_:domain:identity:)`` through the memo.
    public func hubSignature<T: Encodable>(_ value: T, domain: String) throws -> HubSignature {
        let signature = try sign(try HubSignature.message(for: value, domain: domain))
        return HubSignature(keyID: identity.nodeID, value: Data(signature).base64EncodedString())
    }

    var count: Int { signatures.withLock { $0.count } }
}
