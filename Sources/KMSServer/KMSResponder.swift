import HTTPTypes
import Hummingbird
import KMSCore
import Logging
import NIOCore

/// Serves `KMSProtocolHandler` through Hummingbird: what the HTTP-level tests drive (HummingbirdTesting). The server
/// itself uses the lean NIO transport, `CofferHTTPServer`; both hand the same requests to the same handler.
public struct KMSResponder: HTTPResponder {
    public typealias Context = CofferRequestContext

    public let handler: KMSProtocolHandler

    public init(handler: KMSProtocolHandler) {
        self.handler = handler
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        var tooLarge = false
        var body: [UInt8] = []
        do {
            let buffer = try await request.collectBody(upTo: handler.maximumBodySize)
            body = Array(buffer.readableBytesView)
        } catch {
            tooLarge = true
        }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count + 1)
        if let authority = request.head.authority { headers.append((name: "host", value: authority)) }
        for field in request.headers { headers.append((name: field.name.canonicalName, value: field.value)) }
        let answer = await handler.handle(
            KMSHTTPRequest(method: request.method.rawValue, path: request.head.path ?? "/", headers: headers, body: body, sourceIP: context.sourceIP),
            bodyTooLarge: tooLarge
        )
        var fields = HTTPFields()
        for (name, value) in answer.headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        fields[.contentLength] = String(answer.body.count)
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
