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
    /// Where every request's event goes (nil: no audit log configured).
    let audit: AuditLog?
    /// True when this listener serves TLS (`aws:SecureTransport`).
    let secureTransport: Bool
    let metrics: RequestMetrics

    public init(
        service: KMSService, identities: IdentityDirectory, maximumBodySize: Int = 1 << 20, developmentClock: DevelopmentClock? = nil,
        audit: AuditLog? = nil, secureTransport: Bool = false
    ) {
        self.audit = audit
        self.secureTransport = secureTransport
        self.metrics = .shared
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

    /// Facts about one request, gathered as it is handled, for its log line, metrics and audit event.
    struct Outcome {
        var operation: String = "-"
        var operationName: OperationName?
        var keyID: String?
        var accessKeyID: String?
        var caller: Caller?
        /// The parsed request body (when it parsed).
        var json: JSONValue?
        /// The operation's response body, for the audit's responseElements.
        var output: ByteBuffer?
    }

    static let userAgentHeader = HTTPField.Name("User-Agent")!

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let requestID = UUID().uuidString.lowercased()
        let trail = audit == nil ? nil : RequestTrail()
        var outcome = Outcome()
        var response: Response
        var failure: KMSError?
        do {
            let body = try await handle(request, sourceIP: context.sourceIP, requestID: requestID, trail: trail, outcome: &outcome)
            outcome.output = body
            response = Self.jsonResponse(status: .ok, body: body, requestID: requestID)
        } catch {
            failure = error
            response = Self.errorResponse(error, requestID: requestID)
        }
        if let audit {
            let event = auditEvent(request, context: context, requestID: requestID, trail: trail, outcome: outcome, failure: failure)
            if await !audit.record(event), audit.configuration.mode == .sync {
                let error = KMSError.internalFailure("the audit event could not be written to \(audit.configuration.path)")
                failure = error
                response = Self.errorResponse(error, requestID: requestID)
            }
        }
        if let failure, failure.isServerFault {
            var metadata: Logger.Metadata = ["kms.request_id": "\(requestID)", "kms.error_type": "\(failure.wireType)"]
            if let cause = failure.cause { metadata["kms.cause"] = "\(cause)" }
            context.logger.error("kms.request.failed", metadata: metadata)
        }
        let elapsed = ContinuousClock.now - start
        metrics.record(outcome.operationName, errorType: failure?.code, duration: elapsed)
        if context.logger.logLevel <= .info {
            var metadata: Logger.Metadata = [
                "kms.request_id": "\(requestID)",
                "kms.operation": "\(outcome.operation)",
                "kms.status": "\(response.status.code)",
                "kms.duration_ms": "\(Self.milliseconds(elapsed))",
            ]
            if let keyID = outcome.keyID { metadata["kms.key_id"] = "\(keyID)" }
            if let failure { metadata["kms.error_type"] = "\(failure.wireType)" }
            if let accessKey = outcome.accessKeyID { metadata["aws.access_key_id"] = "\(accessKey)" }
            context.logger.info("kms.request", metadata: metadata)
        }
        return response
    }

    /// The request's audit event (docs/audit.md), its resources taken from where the request was authorized.
    private func auditEvent(
        _ request: Request, context: Context, requestID: String, trail: RequestTrail?, outcome: Outcome, failure: KMSError?
    ) -> [UInt8] {
        let readOnly = outcome.operationName?.isReadOnly ?? true
        var claimed: (accessKeyID: String, region: String)?
        if outcome.caller == nil, let authorization = request.headers[.authorization] { claimed = Self.claimedCredential(authorization) }
        var responseElements: JSONValue?
        if failure == nil, !readOnly, let output = outcome.output, output.readableBytes > 0,
            let parsed = try? JSONParser.parse(Array(output.readableBytesView))
        {
            responseElements = model.auditResponseElements(parsed, operation: outcome.operation)
        }
        let event = AuditRecord.Request(
            time: service.clock.now(), operation: outcome.operationName?.rawValue ?? String(outcome.operation.prefix(128)),
            caller: outcome.caller, claimedAccessKeyID: claimed?.accessKeyID, claimedRegion: claimed?.region, sourceIP: context.sourceIP,
            userAgent: request.headers[Self.userAgentHeader],
            requestParameters: outcome.json.flatMap { model.auditRequestParameters($0, operation: outcome.operation) },
            responseElements: responseElements, requestID: requestID, readOnly: readOnly, resources: trail?.touchedKeys ?? [], error: failure
        )
        return AuditRecord.apiCall(event)
    }

    /// The access key and Region an Authorization header names (`Credential=AKID/date/region/kms/aws4_request`), for
    /// the audit event of a request whose signature did not verify.
    static func claimedCredential(_ header: String) -> (accessKeyID: String, region: String)? {
        guard let range = header.range(of: "Credential=") else { return nil }
        let parts = header[range.upperBound...].prefix(while: { $0 != "," && $0 != " " }).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        return (String(parts[0].prefix(128)), String(parts[2].prefix(64)))
    }

    private func handle(
        _ request: Request, sourceIP: String?, requestID: String, trail: RequestTrail?, outcome: inout Outcome
    ) async throws(KMSError) -> ByteBuffer {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumBodySize)
        } catch {
            throw KMSError(.serialization, "The request body is larger than \(maximumBodySize) bytes or could not be read.")
        }
        let bodyBytes = Array(buffer.readableBytesView)
        // Named before authentication, so that the audit event of a refused request says what was attempted.
        if let target = request.headers[Self.targetHeader], target.hasPrefix(Self.targetPrefix),
            let operation = OperationName(rawValue: String(target.dropFirst(Self.targetPrefix.count)))
        {
            outcome.operation = operation.rawValue
            outcome.operationName = operation
        }

        // 1. Authentication.
        var caller = try authenticate(request, body: bodyBytes, sourceIP: sourceIP, outcome: &outcome)
        caller.requestID = requestID
        caller.trail = trail
        outcome.caller = caller

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
            outcome.operation = String(operationText.prefix(128))
            throw KMSError(.unknownOperation, "Operation '\(operationText)' is not an AWS KMS operation.")
        }
        outcome.operation = operation.rawValue
        outcome.operationName = operation

        // 3. Body: JSON, then the model's constraints.
        let json: JSONValue
        do {
            json = bodyBytes.isEmpty ? .object([]) : try JSONParser.parse(bodyBytes)
        } catch {
            throw KMSError(.serialization, "The request body is not valid JSON: \(error.reason).")
        }
        if !bodyBytes.isEmpty { outcome.json = json }
        if case .string(let keyID)? = json["KeyId"] ?? json["TargetKeyId"] ?? json["DestinationKeyId"] {
            outcome.keyID = String(keyID.prefix(256))
        }
        try model.validate(json, operation: operation.rawValue)

        // An audit log that cannot be written refuses requests before they act (sync mode).
        if let audit, audit.configuration.mode == .sync, audit.isFailing {
            throw KMSError.internalFailure("the audit log \(audit.configuration.path) cannot be written")
        }

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
            principalTags: identity.tags, sourceIP: sourceIP, secureTransport: secureTransport
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
        // AWS sends no message member at all for errors with nothing to say (KMSInvalidSignatureException from
        // Verify, InvalidCiphertextException, ...; docs/deviations.md).
        if !error.message.isEmpty {
            body.writeString(",\"message\":")
            body.writeString(jsonString(error.message))
        }
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
    static func jsonString(_ text: String) -> String { JSONWriter.literal(text) }

    /// Milliseconds with three decimals, without Foundation's `String(format:)` on the request path.
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
