import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage plus the peer address for rate limiting
/// unauthenticated routes.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, when the transport knows it.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
