import HiveCore
import NIOCore

/// Splits the byte stream into frames: a 4-byte big-endian length, then that many bytes.
///
/// A length above ``maxFrameBytes`` is refused *before* any of the body is buffered, so a peer
/// cannot make us allocate more than the limit; the connection is then closed.
public struct MeshFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Largest accepted frame body.
    public let maxFrameBytes: Int

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= maxFrameBytes else {
            throw HiveError(.invalidInput, "mesh frame of \(length) bytes exceeds the limit of \(maxFrameBytes)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A truncated trailing frame is dropped with the connection.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Prefixes each outbound frame with its 4-byte big-endian length.
public struct MeshFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.writeInteger(UInt32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
