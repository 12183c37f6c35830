import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The KMS listener: a lean SwiftNIO HTTP/1.1 pipeline (optionally TLS) in front of `KMSProtocolHandler`, with
/// keep-alive, pipelining, back-pressure (one request at a time per connection), the body limit, idle and slow-request
/// timeouts, and a graceful shutdown that stops accepting, closes idle connections and lets in-flight requests finish.
public struct CofferHTTPServer: Service {
    let host: String
    let port: Int
    let handler: KMSProtocolHandler
    let tls: NIOSSLContext?
    let timeouts: KMSChannelHandler.Timeouts
    let group: any EventLoopGroup
    let logger: Logger

    /// - Parameters:
    ///   - idleTimeout: a connection waiting for a request is closed after this long.
    ///   - requestTimeout: a request must arrive whole within this long of its head.
    public init(
        host: String, port: Int, handler: KMSProtocolHandler, tls: TLSConfiguration? = nil, idleTimeout: Duration = .seconds(60),
        requestTimeout: Duration = .seconds(30), logger: Logger
    ) throws {
        self.host = host
        self.port = port
        self.handler = handler
        self.tls = try tls.map { try NIOSSLContext(configuration: $0) }
        self.timeouts = .init(idle: TimeAmount(idleTimeout), request: TimeAmount(requestTimeout))
        self.group = MultiThreadedEventLoopGroup.singleton
        self.logger = logger
    }

    public func run() async throws {
        let quiesce = ServerQuiescingHelper(group: group)
        let handler = self.handler
        let tls = self.tls
        let timeouts = self.timeouts
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
                    try pipeline.addHandler(KMSChannelHandler(handler: handler, timeouts: timeouts))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .bind(host: host, port: port)
            .get()
        logger.info("coffer.listening", metadata: ["coffer.address": "\(channel.localAddress?.description ?? "\(host):\(port)")"])

        let drained = channel.eventLoop.makePromise(of: Void.self)
        let shuttingDown = Mutex(false)
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
            // The listening socket is closed; wait for the connections still serving requests.
            if shuttingDown.withLock({ $0 }) { try await drained.futureResult.get() } else { drained.succeed() }
        } onGracefulShutdown: {
            shuttingDown.withLock { $0 = true }
            quiesce.initiateShutdown(promise: drained)
        }
    }
}
