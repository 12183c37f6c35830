import Crypto
import Foundation

/// Signs requests with AWS Signature Version 4 (Authorization-header form),
/// the way botocore does: every header passed in is signed, plus x-amz-date
/// and, when set, x-amz-security-token (and x-amz-content-sha256 on request).
public struct SigV4Signer: Sendable {
    public var credentials: SigV4Credentials
    public var region: String
    public var service: String

    public init(credentials: SigV4Credentials, region: String, service: String = "kms") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Headers the signer produces itself; any of these passed in is replaced.
    private static let generatedHeaders = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]

    /// returns the headers to add: x-amz-date, authorization, x-amz-security-token (when a session token is set),
    /// and x-amz-content-sha256 only if includeContentSHA256 is true. Signs host plus every header passed in
    /// (content-type, x-amz-target...).
    ///
    /// `headers` must include `host`. `path` is the raw request target (path plus optional query), already
    /// percent-encoded as it will go on the wire. Headers passed in with the names above are not signed:
    /// the caller should drop them and send the returned ones instead.
    public func signedHeaders(
        method: String,
        path: String,
        headers: [(name: String, value: String)],
        body: [UInt8],
        date: Date,
        includeContentSHA256: Bool = false
    ) -> [(name: String, value: String)] {
        let amzDate = AmzDate(date: date)
        let payloadHash = Hex.encode(SHA256.hash(data: body))

        var added: [(name: String, value: String)] = [("x-amz-date", amzDate.iso8601Basic)]
        if let token = credentials.effectiveSessionToken {
            added.append(("x-amz-security-token", token))
        }
        if includeContentSHA256 {
            added.append(("x-amz-content-sha256", payloadHash))
        }

        let kept = headers.filter { header in
            !Self.generatedHeaders.contains { HeaderFields.name(header.name, matches: $0) }
        }
        let toSign = kept + added
        let signedNames = Array(Set(toSign.map { HeaderFields.lowercased($0.name) })).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }

        let scope = CredentialScope(
            accessKeyID: credentials.accessKeyID,
            date: String(amzDate.dateStamp),
            region: region,
            service: service
        )
        let canonical = CanonicalRequest(
            method: method,
            path: path,
            headers: toSign,
            signedHeaders: signedNames,
            payloadHash: payloadHash
        )
        let stringToSign = StringToSign(
            amzDate: amzDate.iso8601Basic,
            credentialScope: scope.scope,
            canonicalRequest: canonical
        )
        let signingKey = SigningKey(
            secretAccessKey: credentials.secretAccessKey,
            date: scope.date,
            region: region,
            service: service
        )
        let authorization = AuthorizationHeader(
            credential: scope,
            signedHeaders: signedNames,
            signature: signingKey.signature(for: stringToSign)
        )
        added.append(("authorization", authorization.headerValue))
        return added
    }

    /// `request` with the generated headers replaced by freshly signed ones.
    public func sign(_ request: SigV4Request, date: Date, includeContentSHA256: Bool = false) -> SigV4Request {
        var signed = request
        signed.headers.removeAll { header in
            Self.generatedHeaders.contains { HeaderFields.name(header.name, matches: $0) }
        }
        signed.headers += signedHeaders(
            method: request.method,
            path: request.path,
            headers: signed.headers,
            body: request.body,
            date: date,
            includeContentSHA256: includeContentSHA256
        )
        return signed
    }
}
