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
    /// A final response said `Connection: close`: nothing more is read or answered on this connection.
    private var closing = false
    /// An error arrived while a request was being answered: its response closes the connection.
    private var closeAfterResponse = false
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
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = nil
            tooLarge = false
            arm(timeouts.request, context: context)
            if let length = requestHead.headers.first(name: "content-length").flatMap(Int.init), length > handler.maximumBodySize {
                tooLarge = true
            }
            // The client waits for this before it sends the body. Also for a body over the limit: the final answer
            // can only follow the request's end here, so the body is read and dropped, then refused.
            if requestHead.version != .http1_0,
                requestHead.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" })
            {
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

    private func write(_ response: KMSHTTPResponse, version: HTTPVersion, keepAlive requested: Bool, context: ChannelHandlerContext) {
        guard active else { return }
        let keepAlive = requested && !closeAfterResponse
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 2)
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
            closing = true
        } else if version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .init(statusCode: response.status), headers: headers))), promise: nil)
        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            // Armed before the end goes out: writing it may hand this handler the next pipelined request at once,
            // which sets its own timer.
            arm(timeouts.idle, context: context)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    /// Malformed HTTP gets a short AWS-style 400 before the connection closes; anything else closes it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The final response is on its way and closes the connection after it.
        if closing { return }
        // Bytes that arrived after malformed HTTP: the parser's own error, delivered in order after the requests
        // before it have been answered, decides.
        if error is ByteToMessageDecoderError { return }
        // A request is being answered: finish it, then close.
        if processing {
            closeAfterResponse = true
            return
        }
        if error is HTTPParserError, active, context.channel.isActive {
            // Delivered by the pipelining handler right after the previous response ended, inside that write: answer
            // on the next tick, once that write has gone out.
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.execute {
                let (this, context) = bound.value
                this.malformed(context: context)
            }
            return
        }
        context.close(promise: nil)
    }

    private func malformed(context: ChannelHandlerContext) {
        guard active, !closing, context.channel.isActive else { return }
        do {
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
        }
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
