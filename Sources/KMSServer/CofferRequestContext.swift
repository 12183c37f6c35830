import Hummingbird
import NIOCore

/// Hummingbird's per-request context plus the peer address (`aws:SourceIp`).
public struct CofferRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer's IP address, when the channel has one.
    public let sourceIP: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.sourceIP = source.channel.remoteAddress?.ipAddress
    }
}
