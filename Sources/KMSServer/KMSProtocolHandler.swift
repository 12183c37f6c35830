import Foundation
import KMSCore
import Logging
import SigV4

/// One HTTP request as any transport hands it over: method, path, headers as received, the whole body.
public struct KMSHTTPRequest: Sendable {
    public var method: String
    /// The request target (path and query) as sent.
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var sourceIP: String?

    public init(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8], sourceIP: String?) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.sourceIP = sourceIP
    }

    /// The first header of this name (ASCII case-insensitive), without allocating.
    public func header(_ lowercasedName: String) -> String? {
        for field in headers where Self.equalsIgnoringCase(field.name, lowercasedName) { return field.value }
        return nil
    }

    static func equalsIgnoringCase(_ name: String, _ lowercased: String) -> Bool {
        var a = name.utf8.makeIterator()
        var b = lowercased.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                let folded = (x >= 0x41 && x <= 0x5A) ? x | 0x20 : x
                if folded != y { return false }
            default: return false
            }
        }
    }
}

/// The answer to a `KMSHTTPRequest`, for any transport to write.
public struct KMSHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
}

/// Everything Coffer knows about AWS JSON 1.1, transport-neutral: SigV4, `X-Amz-Target`, parsing and model validation,
/// authorization and the operation, the error mapping, audit, metrics and the log line. The lean NIO transport
/// (`CofferHTTPServer`) and the Hummingbird adapter used by the HTTP-level tests (`KMSResponder`) both call `handle`.
/// Order of checks: the body limit, SigV4 authentication, then method, path, content type and `X-Amz-Target`, then
/// body parsing and model validation, then the operation. Every failure leaves as one `KMSError`, mapped to the wire in
/// `errorResponse`.
public struct KMSProtocolHandler: Sendable {
    let service: KMSService
    let identities: IdentityDirectory
    let verifier: SigV4Verifier
    let model: ServiceModel
    let router: OperationRouter
    public let maximumBodySize: Int
    /// Set when the development clock is on (`CofferDevelopment.AdvanceClock` answers only then).
    let developmentClock: DevelopmentClock?
    /// SigV4's clock-skew check uses real time, also when the development clock has moved ahead.
    let signatureClock: any KMSClock
    /// Where every request's event goes (nil: no audit log configured).
    let audit: AuditLog?
    /// True when the listener serves TLS (`aws:SecureTransport`).
    let secureTransport: Bool
    let metrics: RequestMetrics
    let logger: Logger

    public init(
        service: KMSService, identities: IdentityDirectory, maximumBodySize: Int = 1 << 20, developmentClock: DevelopmentClock? = nil,
        audit: AuditLog? = nil, secureTransport: Bool = false, logger: Logger
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
        self.logger = logger
    }

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
        var output: [UInt8]?
    }

    /// Handles one request. `bodyTooLarge` says the transport stopped reading the body at `maximumBodySize`.
    public func handle(_ request: KMSHTTPRequest, bodyTooLarge: Bool = false) async -> KMSHTTPResponse {
        let start = ContinuousClock.now
        let requestID = RequestID.make()
        let trail = audit == nil ? nil : RequestTrail()
        var outcome = Outcome()
        var response: KMSHTTPResponse
        var failure: KMSError?
        do throws(KMSError) {
            if bodyTooLarge {
                throw KMSError(.serialization, "The request body is larger than \(maximumBodySize) bytes or could not be read.")
            }
            let body = try await handle(request, requestID: requestID, trail: trail, outcome: &outcome)
            outcome.output = body
            response = Self.jsonResponse(status: 200, body: body, requestID: requestID)
        } catch {
            failure = error
            response = Self.errorResponse(error, requestID: requestID)
        }
        if let audit {
            let event = auditEvent(request, requestID: requestID, trail: trail, outcome: outcome, failure: failure)
            if await !audit.record(event), audit.configuration.mode == .sync {
                let error = KMSError.internalFailure("the audit event could not be written to \(audit.configuration.path)")
                failure = error
                response = Self.errorResponse(error, requestID: requestID)
            }
        }
        if let failure, failure.isServerFault {
            var metadata: Logger.Metadata = ["kms.request_id": "\(requestID)", "kms.error_type": "\(failure.wireType)"]
            if let cause = failure.cause { metadata["kms.cause"] = "\(cause)" }
            logger.error("kms.request.failed", metadata: metadata)
        }
        let elapsed = ContinuousClock.now - start
        metrics.record(outcome.operationName, errorType: failure?.code, duration: elapsed)
        if logger.logLevel <= .info {
            var metadata: Logger.Metadata = [
                "kms.request_id": "\(requestID)",
                "kms.operation": "\(outcome.operation)",
                "kms.status": "\(response.status)",
                "kms.duration_ms": "\(Self.milliseconds(elapsed))",
            ]
            if let keyID = outcome.keyID { metadata["kms.key_id"] = "\(keyID)" }
            if let failure { metadata["kms.error_type"] = "\(failure.wireType)" }
            if let accessKey = outcome.accessKeyID { metadata["aws.access_key_id"] = "\(accessKey)" }
            logger.info("kms.request", metadata: metadata)
        }
        return response
    }

    /// The request's audit event (docs/audit.md), its resources taken from where the request was authorized.
    private func auditEvent(_ request: KMSHTTPRequest, requestID: String, trail: RequestTrail?, outcome: Outcome, failure: KMSError?) -> [UInt8] {
        let readOnly = outcome.operationName?.isReadOnly ?? true
        var claimed: (accessKeyID: String, region: String)?
        if outcome.caller == nil, let authorization = request.header("authorization") { claimed = Self.claimedCredential(authorization) }
        var responseElements: JSONValue?
        if failure == nil, !readOnly, let output = outcome.output, !output.isEmpty, let parsed = try? JSONParser.parse(output) {
            responseElements = model.auditResponseElements(parsed, operation: outcome.operation)
        }
        let event = AuditRecord.Request(
            time: service.clock.now(), operation: outcome.operationName?.rawValue ?? String(outcome.operation.prefix(128)),
            caller: outcome.caller, claimedAccessKeyID: claimed?.accessKeyID, claimedRegion: claimed?.region, sourceIP: request.sourceIP,
            userAgent: request.header("user-agent"),
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

    private func handle(_ request: KMSHTTPRequest, requestID: String, trail: RequestTrail?, outcome: inout Outcome) async throws(KMSError) -> [UInt8] {
        let bodyBytes = request.body
        let targetHeader = request.header("x-amz-target")
        // Named before authentication, so that the audit event of a refused request says what was attempted.
        if let target = targetHeader, target.hasPrefix(Self.targetPrefix),
            let operation = OperationName(rawValue: String(target.dropFirst(Self.targetPrefix.count)))
        {
            outcome.operation = operation.rawValue
            outcome.operationName = operation
        }

        // 1. Authentication.
        var caller = try authenticate(request, outcome: &outcome)
        caller.requestID = requestID
        caller.trail = trail
        outcome.caller = caller

        // 2. Operation: POST to /, an AWS JSON content type, a TrentService target.
        guard request.method == "POST" else {
            throw KMSError(.unknownOperation, "Only POST requests to / are supported by the AWS JSON 1.1 protocol.")
        }
        guard Self.isRoot(request.path) else {
            throw KMSError(.unknownOperation, "Only POST requests to / are supported by the AWS JSON 1.1 protocol.")
        }
        if request.headers.lazy.filter({ KMSHTTPRequest.equalsIgnoringCase($0.name, "content-type") }).count > 1 {
            throw KMSError(.unknownOperation, "The request has more than one Content-Type header.")
        }
        if let type = request.header("content-type"), !Self.isAWSJSON(type) {
            throw KMSError(.unknownOperation, "Content-Type '\(type.prefix(100))' is not application/x-amz-json-1.1.")
        }
        if let developmentClock, targetHeader == Self.advanceClockTarget {
            outcome.operation = Self.advanceClockTarget
            return try await advanceClock(developmentClock, body: bodyBytes)
        }
        guard let target = targetHeader, target.hasPrefix(Self.targetPrefix) else {
            throw KMSError(.unknownOperation, "Missing or unknown X-Amz-Target header.")
        }
        let operationText = String(target.dropFirst(Self.targetPrefix.count))
        guard let operation = OperationName(rawValue: operationText) else {
            outcome.operation = String(operationText.prefix(128))
            throw KMSError(.unknownOperation, "Operation '\(operationText.prefix(128))' is not an AWS KMS operation.")
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
        return try await handler(service, json, caller)
    }

    /// `/`, with or without a query string.
    static func isRoot(_ path: String) -> Bool {
        path == "/" || path.hasPrefix("/?")
    }

    /// `application/x-amz-json-1.1` or `-1.0`, with or without parameters (`; charset=utf-8`), any case.
    static func isAWSJSON(_ type: String) -> Bool {
        // Byte-level: Foundation's trimming and lower-casing cost ~30,000 instructions per request.
        var utf8 = Substring(type).utf8
        if let semicolon = utf8.firstIndex(of: UInt8(ascii: ";")) { utf8 = utf8[..<semicolon] }
        while let first = utf8.first, first == 0x20 || first == 0x09 { utf8 = utf8.dropFirst() }
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8 = utf8.dropLast() }
        guard utf8.count == awsJSONPrefix.count + 3 else { return false }
        for (byte, expected) in zip(utf8, awsJSONPrefix) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != expected { return false }
        }
        let version = utf8.suffix(3)
        return version.elementsEqual("1.1".utf8) || version.elementsEqual("1.0".utf8)
    }
    private static let awsJSONPrefix = Array("application/x-amz-json-".utf8)

    private func authenticate(_ request: KMSHTTPRequest, outcome: inout Outcome) throws(KMSError) -> Caller {
        let sigRequest = SigV4Request(method: request.method, path: request.path, headers: request.headers, body: request.body)
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
            principalTags: identity.tags, sourceIP: request.sourceIP, secureTransport: secureTransport
        )
    }

    /// `CofferDevelopment.AdvanceClock`: `{"Seconds": N}` → `{"Now": epoch seconds, "OffsetSeconds": total}`, answered
    /// after the background work due at the new time has run.
    private func advanceClock(_ clock: DevelopmentClock, body: [UInt8]) async throws(KMSError) -> [UInt8] {
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
        return Array("{\"Now\":\(clock.now().timeIntervalSince1970),\"OffsetSeconds\":\(offset)}".utf8)
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
    public static func errorResponse(_ error: KMSError, requestID: String) -> KMSHTTPResponse {
        var json = JSONWriter(capacity: 128 + error.message.utf8.count)
        json.raw("{\"__type\":")
        json.string(error.wireType)
        // AWS sends no message member at all for errors with nothing to say (KMSInvalidSignatureException from
        // Verify, InvalidCiphertextException, ...; docs/deviations.md).
        if !error.message.isEmpty {
            json.raw(",\"message\":")
            json.string(error.message)
        }
        json.raw("}")
        var response = jsonResponse(status: error.httpStatus, body: json.bytes, requestID: requestID)
        response.headers.append((name: "x-amzn-ErrorType", value: error.wireType))
        return response
    }

    static func jsonResponse(status: Int, body: [UInt8], requestID: String) -> KMSHTTPResponse {
        KMSHTTPResponse(
            status: status,
            headers: [(name: "Content-Type", value: contentType), (name: "x-amzn-RequestId", value: requestID)],
            body: body
        )
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

/// Request IDs: random UUIDs (version 4) written without Foundation's UUID string path.
enum RequestID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array(Hex.encode(bytes).utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (index, digit) in hex.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            out.append(digit)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
