import Crypto
import Foundation

/// Verifies AWS Signature Version 4, Authorization-header form, as sent by
/// botocore/boto3 and the AWS CLI.
///
/// Order of checks (the first failure wins):
/// 1. an Authorization header is present (`missingAuthenticationToken`);
/// 2. it parses, the date header is present and well formed, and `host`
///    (plus `x-amz-date`/`date`, whichever carries the time) is signed
///    (`incompleteSignature`);
/// 3. the credential scope names this service, a valid region, the
///    `aws4_request` terminator and the request's date (`invalidSignature`);
/// 4. the access key is known (`unrecognizedClient`);
/// 5. the session token matches (`invalidSecurityToken`);
/// 6. the request time is within `allowedSkew` of `now` (`signatureExpired`).
///    This is checked *before* the signature, unlike AWS (which checks the
///    signature first): a stale or replayed request is turned away without
///    hashing its body or computing any HMAC, and the answer reveals nothing
///    an unauthenticated caller could not already see;
/// 7. `x-amz-content-sha256`, when sent, matches the body (`invalidSignature`);
/// 8. the signature matches, compared in constant time (`invalidSignature`).
public struct SigV4Verifier: Sendable {
    public let service: String
    public let allowedSkew: TimeInterval
    /// Whether `x-amz-content-sha256: UNSIGNED-PAYLOAD` is accepted. When it is,
    /// the body is not covered by the signature (botocore only sends it over
    /// HTTPS when payload signing is turned off).
    public let allowsUnsignedPayload: Bool

    private let keyCache: SigningKeyCache

    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public init(service: String = "kms", allowedSkew: TimeInterval = 900) {
        self.init(service: service, allowedSkew: allowedSkew, allowsUnsignedPayload: true)
    }

    /// - Parameter signingKeyCacheSize: how many derived signing keys to keep (0 disables the cache).
    public init(service: String, allowedSkew: TimeInterval, allowsUnsignedPayload: Bool, signingKeyCacheSize: Int = 128) {
        self.service = service
        self.allowedSkew = allowedSkew.isFinite ? max(allowedSkew, 0) : 900
        self.allowsUnsignedPayload = allowsUnsignedPayload
        self.keyCache = SigningKeyCache(capacity: signingKeyCacheSize)
    }

    /// lookup returns the credentials for an access key id, or nil if unknown.
    public func verify(
        _ request: SigV4Request,
        now: Date,
        lookup: (String) -> SigV4Credentials?
    ) throws(SigV4Error) -> VerifiedSignature {
        let headers = request.headers

        // 1. Authorization header.
        let authorizationValues = HeaderFields.values("authorization", in: headers)
        guard let authorizationValue = authorizationValues.first,
            !HeaderFields.trimmed(authorizationValue).isEmpty
        else {
            if Self.hasQueryAuthentication(request.path) {
                throw .incomplete(
                    "Query-string (presigned URL) authentication is not supported; "
                        + "sign the request with the Authorization header."
                )
            }
            throw .missingAuthenticationToken
        }
        guard authorizationValues.count == 1 else {
            throw .incomplete("The request must contain exactly one Authorization header; got \(authorizationValues.count).")
        }

        // 2. Parse; date; mandatory signed headers.
        let authorization = try AuthorizationHeader(parsing: authorizationValue)
        let (requestTime, dateHeader) = try Self.requestTime(headers: headers, authorization: authorizationValue)
        let signed = authorization.signedHeaders.map(HeaderFields.lowercased)
        guard signed.contains("host") else {
            throw .incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.")
        }
        guard signed.contains(dateHeader) else {
            let shown = dateHeader == "x-amz-date" ? "X-Amz-Date" : "Date"
            throw .incomplete("'\(shown)' must be a 'SignedHeader' in the AWS Authorization.")
        }

        // 3. Credential scope.
        let scope = authorization.credential
        var scopeProblems = ""
        if !scope.hasValidRegion {
            scopeProblems += "Credential should be scoped to a valid region. "
        }
        if scope.service != service {
            scopeProblems += "Credential should be scoped to correct service: '\(service)'. "
        }
        if scope.terminator != CredentialScope.terminatorValue {
            scopeProblems +=
                "Credential should be scoped with a valid terminator: 'aws4_request', not '\(SigV4Error.echo(scope.terminator, limit: 64))'. "
        }
        if !scope.date.utf8.elementsEqual(requestTime.dateStamp.utf8) {
            scopeProblems +=
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + "'\(scope.date)' != '\(requestTime.dateStamp)', from '\(requestTime.iso8601Basic)'. "
        }
        if !scopeProblems.isEmpty {
            throw .invalidSignature(String(scopeProblems.dropLast()))
        }

        // 4. Access key.
        guard let credentials = lookup(scope.accessKeyID) else {
            throw .unrecognizedClient
        }

        // 5. Session token.
        let tokenValues = HeaderFields.values("x-amz-security-token", in: headers)
        let providedToken = tokenValues.isEmpty ? nil : tokenValues.map(HeaderFields.trimmed).joined(separator: ",")
        switch (credentials.effectiveSessionToken, providedToken) {
        case (nil, nil):
            break
        case (nil, let provided?):
            if !provided.isEmpty { throw .invalidSecurityToken }
        case (.some, nil):
            throw .invalidSecurityToken
        case let (expected?, provided?):
            guard ConstantTime.equals(expected, provided) else { throw .invalidSecurityToken }
        }

        // 6. Clock skew.
        try checkSkew(requestTime: requestTime, now: now)

        // 7. Payload hash.
        let payloadHash: String
        let contentSHA256 = HeaderFields.values("x-amz-content-sha256", in: headers)
        if contentSHA256.isEmpty {
            payloadHash = Hex.encode(SHA256.hash(bytes: request.body))
        } else {
            let claimed = contentSHA256.map(HeaderFields.trimmed).joined(separator: ",")
            if claimed == Self.unsignedPayload && allowsUnsignedPayload {
                payloadHash = Self.unsignedPayload
            } else {
                let computed = Hex.encode(SHA256.hash(data: request.body))
                guard claimed.utf8.elementsEqual(computed.utf8) else {
                    throw .invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
                }
                payloadHash = computed
            }
        }

        // 8. Signature.
        let canonical = CanonicalRequest(
            method: request.method,
            path: request.path,
            headers: headers,
            signedHeaders: signed,
            signedHeadersValue: authorization.signedHeadersValue,
            payloadHash: payloadHash
        )
        let stringToSign = StringToSign(
            amzDate: requestTime.iso8601Basic,
            credentialScope: scope.scope,
            canonicalRequest: canonical
        )
        let signingKey = keyCache.signingKey(
            secretAccessKey: credentials.secretAccessKey,
            date: scope.date,
            region: scope.region,
            service: scope.service
        )
        guard signingKey.isValidSignature(authorization.signature, for: stringToSign) else {
            throw .invalidSignature()
        }

        return VerifiedSignature(
            accessKeyID: scope.accessKeyID,
            region: scope.region,
            service: scope.service,
            requestDate: requestTime.date
        )
    }

    // MARK: - Stages

    /// The signing time, from X-Amz-Date (preferred) or Date, and which header it came from.
    static func requestTime(
        headers: [(name: String, value: String)],
        authorization: String
    ) throws(SigV4Error) -> (AmzDate, String) {
        let amzDates = HeaderFields.values("x-amz-date", in: headers)
        if !amzDates.isEmpty {
            let value = amzDates.map(HeaderFields.trimmed).joined(separator: ",")
            guard let parsed = AmzDate(iso8601Basic: value) else {
                throw .incomplete(
                    "Date must be in ISO-8601 'basic format'. Got '\(SigV4Error.echo(value, limit: 64))'. "
                        + "See http://en.wikipedia.org/wiki/ISO_8601"
                )
            }
            return (parsed, "x-amz-date")
        }
        let dates = HeaderFields.values("date", in: headers)
        if !dates.isEmpty {
            let value = dates.map(HeaderFields.trimmed).joined(separator: ",")
            guard let parsed = AmzDate(httpDate: value) ?? AmzDate(iso8601Basic: value) else {
                throw .incomplete(
                    "Date header must be an HTTP date (e.g. 'Sun, 30 Aug 2015 12:36:00 GMT') "
                        + "or ISO-8601 'basic format'. Got '\(SigV4Error.echo(value, limit: 64))'."
                )
            }
            return (parsed, "date")
        }
        throw .incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                + "Authorization=\(SigV4Error.echo(authorization))"
        )
    }

    /// Throws `signatureExpired` when the request time is more than `allowedSkew`
    /// away from `now`; exactly `allowedSkew` away is accepted.
    func checkSkew(requestTime: AmzDate, now: Date) throws(SigV4Error) {
        let offset = requestTime.date.timeIntervalSince(now)
        if offset < -allowedSkew {
            throw SigV4Error(
                code: .signatureExpired,
                message: "Signature expired: \(requestTime.iso8601Basic) is now earlier than "
                    + "\(AmzDate(date: now.addingTimeInterval(-allowedSkew)).iso8601Basic) "
                    + "(\(AmzDate(date: now).iso8601Basic) - \(Self.describe(allowedSkew)).)"
            )
        }
        if offset > allowedSkew {
            throw SigV4Error(
                code: .signatureExpired,
                message: "Signature not yet current: \(requestTime.iso8601Basic) is still later than "
                    + "\(AmzDate(date: now.addingTimeInterval(allowedSkew)).iso8601Basic) "
                    + "(\(AmzDate(date: now).iso8601Basic) + \(Self.describe(allowedSkew)).)"
            )
        }
    }

    /// "15 min" for 900 s; "90 sec" when not a whole number of minutes.
    private static func describe(_ skew: TimeInterval) -> String {
        let seconds = Int64(min(skew, 1e15).rounded(.down))
        return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) sec"
    }

    /// Whether the query carries `X-Amz-Algorithm` (presigned-URL authentication).
    private static func hasQueryAuthentication(_ target: String) -> Bool {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return false }
        let query = target.utf8[target.utf8.index(after: question)...]
        return query.split(separator: UInt8(ascii: "&")).contains { parameter in
            let name = parameter.prefix { $0 != UInt8(ascii: "=") }
            return HeaderFields.name(Substring(name), matches: "x-amz-algorithm")
        }
    }
}
