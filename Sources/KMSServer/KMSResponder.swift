import Foundation
import HTTPTypes
import Hummingbird
import KMSCore
import Logging
import NIOCore
import SigV4

/// The whole HTTP surface of Coffer: every request is an AWS JSON 1.1 call to `POST /`.
/// Order of checks: SigV4 authentication, then `X-Amz-Target`, then body parsing and model validation,
/// then the operation. Every failure leaves as one `KMSError`, mapped to the wire in `errorResponse`.
public struct KMSResponder: HTTPResponder {
    public typealias Context = CofferRequestContext

    let service: KMSService
    let identities: IdentityDirectory
    let verifier: SigV4Verifier
    let model: ServiceModel
    let router: OperationRouter
    let maximumBodySize: Int
    /// Set when the development clock is on (`CofferDevelopment.AdvanceClock` answers only then).
    let developmentClock: DevelopmentClock?
    /// SigV4's clock-skew check uses real time, also when the development clock has moved ahead.
    let signatureClock: any KMSClock

    public init(service: KMSService, identities: IdentityDirectory, maximumBodySize: Int = 1 << 20, developmentClock: DevelopmentClock? = nil) {
        self.service = service
        self.identities = identities
        self.verifier = SigV4Verifier(service: "kms", allowedSkew: 15 * 60, allowsUnsignedPayload: false)
        self.model = .bundled
        self.router = .standard
        self.maximumBodySize = maximumBodySize
        self.developmentClock = developmentClock
        self.signatureClock = developmentClock?.wallClock ?? service.clock
    }

    static let targetHeader = HTTPField.Name("X-Amz-Target")!
    static let requestIDHeader = HTTPField.Name("x-amzn-RequestId")!
    static let errorTypeHeader = HTTPField.Name("x-amzn-ErrorType")!
    static let contentType = "application/x-amz-json-1.1"
    static let targetPrefix = "TrentService."
    /// The development clock's call (not an AWS operation; docs/configuration.md).
    static let advanceClockTarget = "CofferDevelopment.AdvanceClock"

    /// Facts about one request, for its log line.
    struct Outcome {
        var operation: String = "-"
        var keyID: String?
        var accessKeyID: String?
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let requestID = UUID().uuidString.lowercased()
        var outcome = Outcome()
        var response: Response
        var errorType: String?
        do {
            let body = try await handle(request, sourceIP: context.sourceIP, requestID: requestID, outcome: &outcome)
            response = Self.jsonResponse(status: .ok, body: body, requestID: requestID)
        } catch {
            errorType = error.wireType
            response = Self.errorResponse(error, requestID: requestID)
            if error.isServerFault {
                context.logger.error("kms.request.failed", metadata: ["kms.request_id": "\(requestID)", "kms.error_type": "\(error.wireType)"])
            }
        }
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "kms.request_id": "\(requestID)",
            "kms.operation": "\(outcome.operation)",
            "kms.status": "\(response.status.code)",
            "kms.duration_ms": "\(Self.milliseconds(elapsed))",
        ]
        if let keyID = outcome.keyID { metadata["kms.key_id"] = "\(keyID)" }
        if let errorType { metadata["kms.error_type"] = "\(errorType)" }
        if let accessKey = outcome.accessKeyID { metadata["aws.access_key_id"] = "\(accessKey)" }
        context.logger.info("kms.request", metadata: metadata)
        return response
    }

    private func handle(_ request: Request, sourceIP: String?, requestID: String, outcome: inout Outcome) async throws(KMSError) -> ByteBuffer {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumBodySize)
        } catch {
            throw KMSError(.serialization, "The request body is larger than \(maximumBodySize) bytes or could not be read.")
        }
        let bodyBytes = Array(buffer.readableBytesView)

        // 1. Authentication.
        var caller = try authenticate(request, body: bodyBytes, sourceIP: sourceIP, outcome: &outcome)
        caller.requestID = requestID

        // 2. Operation.
        guard request.method == .post else {
            throw KMSError(.unknownOperation, "Only POST requests to / are supported by the AWS JSON 1.1 protocol.")
        }
        if let developmentClock, request.headers[Self.targetHeader] == Self.advanceClockTarget {
            outcome.operation = Self.advanceClockTarget
            return try await advanceClock(developmentClock, body: bodyBytes)
        }
        guard let target = request.headers[Self.targetHeader], target.hasPrefix(Self.targetPrefix) else {
            throw KMSError(.unknownOperation, "Missing or unknown X-Amz-Target header.")
        }
        let operationText = String(target.dropFirst(Self.targetPrefix.count))
        guard let operation = OperationName(rawValue: operationText) else {
            throw KMSError(.unknownOperation, "Operation '\(operationText)' is not an AWS KMS operation.")
        }
        outcome.operation = operation.rawValue

        // 3. Body: JSON, then the model's constraints.
        let json: JSONValue
        do {
            json = bodyBytes.isEmpty ? .object([]) : try JSONParser.parse(bodyBytes)
        } catch {
            throw KMSError(.serialization, "The request body is not valid JSON: \(error.reason).")
        }
        if case .string(let keyID)? = json["KeyId"] ?? json["TargetKeyId"] ?? json["DestinationKeyId"] {
            outcome.keyID = String(keyID.prefix(256))
        }
        try model.validate(json, operation: operation.rawValue)

        // 4. The operation itself.
        guard let handler = router.handlers[operation] else {
            throw KMSError.unsupported("Coffer does not implement the \(operation.rawValue) operation yet. See docs/operations.md.")
        }
        let output = try await handler(service, bodyBytes.isEmpty ? Data("{}".utf8) : Data(bodyBytes), caller)
        return ByteBuffer(bytes: output)
    }

    private func authenticate(_ request: Request, body: [UInt8], sourceIP: String?, outcome: inout Outcome) throws(KMSError) -> Caller {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count + 1)
        if let authority = request.head.authority { headers.append((name: "host", value: authority)) }
        for field in request.headers {
            headers.append((name: field.name.canonicalName, value: field.value))
        }
        let sigRequest = SigV4Request(method: request.method.rawValue, path: request.head.path ?? "/", headers: headers, body: body)
        let identities = self.identities
        let verified: VerifiedSignature
        do {
            verified = try verifier.verify(sigRequest, now: signatureClock.now()) { accessKeyID in
                identities.identity(forAccessKeyID: accessKeyID).map {
                    SigV4Credentials(accessKeyID: $0.accessKeyID, secretAccessKey: $0.secretAccessKey, sessionToken: $0.sessionToken)
                }
            }
        } catch {
            throw Self.map(error)
        }
        guard let identity = identities.identity(forAccessKeyID: verified.accessKeyID) else {
            throw KMSError(.unrecognizedClient, "The security token included in the request is invalid.")
        }
        outcome.accessKeyID = identity.accessKeyID
        let partition = Caller.partition(forRegion: verified.region)
        var principal = identity.principalARN
        principal.partition = partition
        return Caller(
            scope: Scope(partition: partition, accountID: identity.accountID, region: verified.region),
            principal: principal, accessKeyID: identity.accessKeyID, identityPolicies: identity.policies,
            principalTags: identity.tags, sourceIP: sourceIP, secureTransport: false
        )
    }

    /// `CofferDevelopment.AdvanceClock`: `{"Seconds": N}` → `{"Now": epoch seconds, "OffsetSeconds": total}`, answered
    /// after the background work due at the new time has run.
    private func advanceClock(_ clock: DevelopmentClock, body: [UInt8]) async throws(KMSError) -> ByteBuffer {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw KMSError(.serialization, "The request body is not valid JSON: \(error.reason).")
        }
        guard case .number(let seconds, _)? = json["Seconds"] else {
            throw KMSError.validation("Seconds is required: a number from 0 to \(Int(DevelopmentClock.maximumStep)).")
        }
        let offset = try await service.advanceDevelopmentClock(clock, by: seconds)
        var out = ByteBuffer()
        out.writeString("{\"Now\":\(clock.now().timeIntervalSince1970),\"OffsetSeconds\":\(offset)}")
        return out
    }

    /// SigV4 failures become AWS's authentication errors.
    static func map(_ error: SigV4Error) -> KMSError {
        switch error.code {
        case .missingAuthenticationToken: return KMSError(.missingAuthenticationToken, error.message)
        case .incompleteSignature: return KMSError(.incompleteSignature, error.message)
        case .unrecognizedClient, .invalidSecurityToken: return KMSError(.unrecognizedClient, error.message)
        case .invalidSignature, .signatureExpired: return KMSError(.invalidSignature, error.message)
        }
    }

    /// The one place a `KMSError` becomes an HTTP response.
    static func errorResponse(_ error: KMSError, requestID: String) -> Response {
        var body = ByteBuffer()
        body.writeString("{\"__type\":")
        body.writeString(jsonString(error.wireType))
        body.writeString(",\"message\":")
        body.writeString(jsonString(error.message))
        body.writeString("}")
        var response = jsonResponse(status: HTTPResponse.Status(code: error.httpStatus), body: body, requestID: requestID)
        response.headers[errorTypeHeader] = error.wireType
        return response
    }

    static func jsonResponse(status: HTTPResponse.Status, body: ByteBuffer, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[requestIDHeader] = requestID
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Encodes a string as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Milliseconds with three decimals, without Foundation's `String(format:)` on the request path.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
