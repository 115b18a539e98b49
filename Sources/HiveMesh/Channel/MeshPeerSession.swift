import Foundation
import HiveCore
import NIOCore

/// One authenticated connection to a peer. Sending suspends while the connection is not
/// writable (NIO's writability watermarks), so a slow peer slows its senders instead of
/// growing an unbounded queue.
public final class MeshPeerSession: Sendable, CustomStringConvertible {
    /// The peer's node id (derived from its proven public key).
    public let remoteNodeID: String
    /// The peer's raw Ed25519 public key, proven in the handshake.
    public let remotePublicKey: [UInt8]
    /// Where the peer says it listens (for dialling it back and for gossip).
    public let remoteListen: MeshAddress?
    /// Which node opened the TCP connection (the tiebreak between duplicate sessions).
    public let initiatorNodeID: String
    /// A process-unique number for this session.
    public let serial: UInt64

    let maxFrameBytes: Int
    let channel: any Channel
    let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let traffic: MeshTraffic?

    init(
        remotePublicKey: [UInt8], remoteListen: MeshAddress?, initiatorNodeID: String, serial: UInt64,
        maxFrameBytes: Int, channel: any Channel, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        traffic: MeshTraffic? = nil
    ) {
        self.traffic = traffic
        self.remoteNodeID = NodeIdentity.nodeID(forPublicKey: remotePublicKey)
        self.remotePublicKey = remotePublicKey
        self.remoteListen = remoteListen
        self.initiatorNodeID = initiatorNodeID
        self.serial = serial
        self.maxFrameBytes = maxFrameBytes
        self.channel = channel
        self.writer = writer
    }

    /// Sends one message. Throws ``HiveError/Code/invalidInput`` when it would exceed the frame
    /// limit (nothing is sent) and ``HiveError/Code/unavailable`` when the connection is gone.
    public func send(_ message: MeshMessage) async throws {
        let buffer = try Self.encode(message, maxFrameBytes: maxFrameBytes)
        traffic?.record(message.typeName, bytes: buffer.readableBytes + 4)
        do {
            try await writer.write(buffer)
        } catch {
            throw HiveError(.unavailable, "mesh peer \(remoteNodeID) is unreachable: \(error)")
        }
    }

    /// Closes the connection.
    public func close() {
        channel.close(promise: nil)
    }

    public var description: String { "session(\(remoteNodeID) #\(serial))" }

    static func encode(_ message: MeshMessage, maxFrameBytes: Int) throws -> ByteBuffer {
        let bytes = try HiveJSON.encode(message)
        guard bytes.count <= maxFrameBytes else {
            throw HiveError(.invalidInput, "\(message.typeName) frame of \(bytes.count) bytes exceeds the limit of \(maxFrameBytes)")
        }
        return ByteBuffer(bytes: bytes)
    }
}
