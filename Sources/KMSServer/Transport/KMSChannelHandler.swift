import NIOCore
import NIOHTTP1

/// The per-connection end of the lean transport: aggregates one request's body (up to the limit), hands the request
/// to `KMSProtocolHandler` and writes its answer. NIOHTTP1 parses; `HTTPServerPipelineHandler` before this handler
/// serialises pipelined requests (one at a time, in order) and drains connections on graceful shutdown.
///
/// Timeouts (slow or idle clients cannot hold a connection forever): a connection waiting for a request is closed after
/// `idleTimeout`; a request must arrive whole within `requestTimeout` of its head.
final class KMSChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Timeouts: Sendable {
        var idle: TimeAmount = .seconds(60)
        var request: TimeAmount = .seconds(30)
    }

    private let handler: KMSProtocolHandler
    private let timeouts: Timeouts
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    private var processing = false
    private var active = false
    private var timer: Scheduled<Void>?
    private var sourceIP: String?

    init(handler: KMSProtocolHandler, timeouts: Timeouts) {
        self.handler = handler
        self.timeouts = timeouts
    }

    func channelActive(context: ChannelHandlerContext) {
        active = true
        sourceIP = context.channel.remoteAddress?.ipAddress
        arm(timeouts.idle, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = nil
            tooLarge = false
            arm(timeouts.request, context: context)
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init), length > handler.maximumBodySize {
                tooLarge = true
            } else if requestHead.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // The client waits for this before it sends the body.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: requestHead.version, status: .continue))), promise: nil)
            }
        case .body(var part):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > handler.maximumBodySize {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            disarm()
            guard let requestHead = head else { return }
            head = nil
            let request = KMSHTTPRequest(
                method: requestHead.method.rawValue, path: requestHead.uri,
                headers: requestHead.headers.map { (name: $0.name, value: $0.value) },
                body: body.map { Array($0.readableBytesView) } ?? [], sourceIP: sourceIP
            )
            body = nil
            // A body over the limit was not read to its end: the connection cannot carry another request.
            let keepAlive = requestHead.isKeepAlive && !tooLarge
            let bodyTooLarge = tooLarge
            processing = true
            let handler = self.handler
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let promise = context.eventLoop.makePromise(of: KMSHTTPResponse.self)
            promise.completeWithTask { await handler.handle(request, bodyTooLarge: bodyTooLarge) }
            promise.futureResult.whenSuccess { response in
                let (this, context) = bound.value
                this.processing = false
                this.write(response, version: requestHead.version, keepAlive: keepAlive, context: context)
            }
        }
    }

    private func write(_ response: KMSHTTPResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        guard active else { return }
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 2)
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .init(statusCode: response.status), headers: headers))), promise: nil)
        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            arm(timeouts.idle, context: context)
        } else {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    /// Malformed HTTP gets a short AWS-style 400 before the connection closes; anything else closes it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError, !processing, active {
            let body = Array(#"{"__type":"SerializationException","message":"The request is not valid HTTP/1.1."}"#.utf8)
            let response = KMSHTTPResponse(
                status: 400,
                headers: [
                    (name: "Content-Type", value: KMSProtocolHandler.contentType), (name: "x-amzn-RequestId", value: RequestID.make()),
                    (name: "x-amzn-ErrorType", value: "SerializationException"),
                ],
                body: body
            )
            write(response, version: .http1_1, keepAlive: false, context: context)
            return
        }
        context.close(promise: nil)
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        timer?.cancel()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
