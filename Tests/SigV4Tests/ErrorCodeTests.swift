import Foundation
import Testing

@testable import SigV4

private let validSignature = String(repeating: "ab", count: 32)
private let scope = "\(Fixtures.accessKeyID)/20240115/us-east-1/kms/aws4_request"

private func header(
    credential: String = scope,
    signedHeaders: String = "content-type;host;x-amz-date;x-amz-target",
    signature: String = validSignature
) -> String {
    "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=\(signedHeaders), Signature=\(signature)"
}

@Suite struct ErrorCodeTests {
    let verifier = SigV4Verifier()

    static let malformed: [MalformedAuthorization] = [
        .init(label: "no Authorization header", authorization: nil, code: .missingAuthenticationToken,
              messageContains: "Missing Authentication Token"),
        .init(label: "empty Authorization header", authorization: "  ", code: .missingAuthenticationToken,
              messageContains: "Missing Authentication Token"),
        .init(label: "algorithm only", authorization: "AWS4-HMAC-SHA256", code: .incompleteSignature,
              messageContains: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"),
        .init(label: "missing Signature and SignedHeaders", authorization: "AWS4-HMAC-SHA256 Credential=\(scope)",
              code: .incompleteSignature,
              messageContains: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."),
        .init(label: "missing Credential",
              authorization: "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=\(validSignature)",
              code: .incompleteSignature, messageContains: "Authorization header requires 'Credential' parameter."),
        .init(label: "bearer token", authorization: "Bearer abc.def", code: .incompleteSignature,
              messageContains: "Unsupported AWS 'algorithm': 'Bearer'"),
        .init(label: "signature version 2", authorization: "AWS AKIDEXAMPLE:c2lnbmF0dXJl", code: .incompleteSignature,
              messageContains: "Unsupported AWS 'algorithm': 'AWS'"),
        .init(label: "SigV4a", authorization: "AWS4-ECDSA-P256-SHA256 Credential=\(scope)", code: .incompleteSignature,
              messageContains: "Unsupported AWS 'algorithm'"),
        .init(label: "lower-case algorithm", authorization: header().lowercased(), code: .incompleteSignature,
              messageContains: "Unsupported AWS 'algorithm'"),
        .init(label: "component without equal sign",
              authorization: "AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=\(validSignature)",
              code: .incompleteSignature, messageContains: "'Credential' not a valid key=value pair (missing equal-sign)"),
        .init(label: "duplicate Credential", authorization: header() + ", Credential=\(scope)", code: .incompleteSignature,
              messageContains: "more than one 'Credential'"),
        .init(label: "credential with four parts", authorization: header(credential: "AKID/20240115/us-east-1/kms"),
              code: .incompleteSignature, messageContains: "exactly 5 slash-delimited elements"),
        .init(label: "credential with six parts", authorization: header(credential: scope + "/extra"),
              code: .incompleteSignature, messageContains: "exactly 5 slash-delimited elements"),
        .init(label: "credential without key id", authorization: header(credential: "/20240115/us-east-1/kms/aws4_request"),
              code: .incompleteSignature, messageContains: "non-empty access key ID"),
        .init(label: "credential date not digits",
              authorization: header(credential: "\(Fixtures.accessKeyID)/2024011x/us-east-1/kms/aws4_request"),
              code: .incompleteSignature, messageContains: "'YYYYMMDD'"),
        .init(label: "empty SignedHeaders", authorization: header(signedHeaders: ""), code: .incompleteSignature,
              messageContains: "SignedHeaders must be"),
        .init(label: "empty name in SignedHeaders", authorization: header(signedHeaders: "host;;x-amz-date"),
              code: .incompleteSignature, messageContains: "SignedHeaders must be"),
        .init(label: "host not signed", authorization: header(signedHeaders: "content-type;x-amz-date;x-amz-target"),
              code: .incompleteSignature, messageContains: "'Host' must be a 'SignedHeader'"),
        .init(label: "x-amz-date not signed", authorization: header(signedHeaders: "content-type;host;x-amz-target"),
              code: .incompleteSignature, messageContains: "'X-Amz-Date' must be a 'SignedHeader'"),
        .init(label: "short signature", authorization: header(signature: String(validSignature.dropLast())),
              code: .incompleteSignature, messageContains: "64 hexadecimal characters"),
        .init(label: "non-hex signature", authorization: header(signature: String(repeating: "zz", count: 32)),
              code: .incompleteSignature, messageContains: "64 hexadecimal characters"),
        .init(label: "empty components", authorization: "AWS4-HMAC-SHA256 ,,,, ,", code: .incompleteSignature,
              messageContains: "requires 'Credential'"),
        .init(label: "empty values", authorization: "AWS4-HMAC-SHA256 Credential=,SignedHeaders=,Signature=",
              code: .incompleteSignature, messageContains: "Credential must have exactly 5"),
        .init(label: "wrong service", authorization: header(credential: "\(Fixtures.accessKeyID)/20240115/us-east-1/s3/aws4_request"),
              code: .invalidSignature, messageContains: "Credential should be scoped to correct service: 'kms'."),
        .init(label: "wrong terminator",
              authorization: header(credential: "\(Fixtures.accessKeyID)/20240115/us-east-1/kms/aws4_requestx"),
              code: .invalidSignature,
              messageContains: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestx'."),
        .init(label: "invalid region", authorization: header(credential: "\(Fixtures.accessKeyID)/20240115/US_EAST/kms/aws4_request"),
              code: .invalidSignature, messageContains: "Credential should be scoped to a valid region."),
        .init(label: "empty region", authorization: header(credential: "\(Fixtures.accessKeyID)/20240115//kms/aws4_request"),
              code: .invalidSignature, messageContains: "Credential should be scoped to a valid region."),
        .init(label: "scope date differs", authorization: header(credential: "\(Fixtures.accessKeyID)/20240114/us-east-1/kms/aws4_request"),
              code: .invalidSignature,
              messageContains: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240114' != '20240115', from '20240115T103000Z'."),
        .init(label: "unknown access key", authorization: header(credential: "AKIAUNKNOWN/20240115/us-east-1/kms/aws4_request"),
              code: .unrecognizedClient, messageContains: "The security token included in the request is invalid."),
        .init(label: "wrong signature", authorization: header(), code: .invalidSignature,
              messageContains: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
    ]

    @Test(arguments: malformed)
    func malformedAuthorizationFailsWithItsCode(_ row: MalformedAuthorization) {
        var request = Fixtures.kmsRequest().removingHeader("authorization")
        if let authorization = row.authorization {
            request = request.settingHeader("Authorization", authorization)
        }
        let error = verificationError(verifier, request)
        #expect(error?.code == row.code)
        #expect(error?.message.contains(row.messageContains) == true, "\(error?.message ?? "no error")")
    }

    @Test func severalScopeProblemsAreReportedTogether() {
        let request = Fixtures.kmsRequest().settingHeader(
            "Authorization",
            header(credential: "\(Fixtures.accessKeyID)/20240101/Bad!/s3/aws4_req")
        )
        let error = verificationError(verifier, request)
        #expect(error?.code == .invalidSignature)
        #expect(
            error?.message
                == "Credential should be scoped to a valid region. "
                + "Credential should be scoped to correct service: 'kms'. "
                + "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_req'. "
                + "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + "'20240101' != '20240115', from '20240115T103000Z'."
        )
    }

    @Test func twoAuthorizationHeadersAreIncomplete() {
        let request = Fixtures.kmsRequest()
        var doubled = request
        doubled.headers.append((name: "authorization", value: request.header("authorization") ?? ""))
        #expect(verificationError(verifier, doubled)?.code == .incompleteSignature)
    }

    @Test func presignedQueryAuthenticationIsNotSupported() {
        var request = Fixtures.kmsRequest().removingHeader("authorization")
        request.path = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Signature=y"
        let error = verificationError(verifier, request)
        #expect(error?.code == .incompleteSignature)
        #expect(error?.message.contains("presigned") == true)
    }

    // MARK: - Date headers

    @Test func missingDateHeadersAreIncomplete() {
        let request = Fixtures.kmsRequest().removingHeader("x-amz-date")
        let error = verificationError(verifier, request)
        #expect(error?.code == .incompleteSignature)
        #expect(
            error?.message.hasPrefix(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential="
            ) == true
        )
    }

    @Test(arguments: ["2024-01-15T10:30:00Z", "20240115T103000", "20240115 103000Z", "20241315T103000Z", "20240230T103000Z",
                      "20240115T243000Z", "20240115T106000Z", "20240115T103060Z", "", "２０２４0115T103000Z"])
    func malformedAmzDateIsIncomplete(_ value: String) {
        let request = Fixtures.kmsRequest().settingHeader("X-Amz-Date", value)
        let error = verificationError(verifier, request)
        #expect(error?.code == .incompleteSignature)
        #expect(error?.message.hasPrefix("Date must be in ISO-8601 'basic format'. Got '\(value)'.") == true)
    }

    @Test func malformedDateHeaderIsIncomplete() {
        let request = Fixtures.kmsRequest().removingHeader("x-amz-date").settingHeader("Date", "yesterday")
        let error = verificationError(verifier, request)
        #expect(error?.code == .incompleteSignature)
        #expect(error?.message.contains("Got 'yesterday'") == true)
    }

    @Test func dateHeaderMustBeSignedWhenItCarriesTheTime() {
        // Signed with X-Amz-Date, which is then swapped for an unsigned Date header.
        let request = Fixtures.kmsRequest().removingHeader("x-amz-date")
            .settingHeader("Date", "Mon, 15 Jan 2024 10:30:00 GMT")
        let error = verificationError(verifier, request)
        #expect(error?.code == .incompleteSignature)
        #expect(error?.message == "'Date' must be a 'SignedHeader' in the AWS Authorization.")
    }

    // MARK: - Security tokens

    @Test func sessionCredentialsRequireTheToken() {
        let request = Fixtures.kmsRequest(credentials: Fixtures.temporaryCredentials).removingHeader("x-amz-security-token")
        #expect(verificationError(verifier, request) == SigV4Error(code: .invalidSecurityToken, message: "The security token included in the request is invalid."))
    }

    @Test func sessionCredentialsRejectAWrongToken() {
        let request = Fixtures.kmsRequest(credentials: Fixtures.temporaryCredentials)
            .settingHeader("X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLE//session+token=!")
        #expect(verificationError(verifier, request)?.code == .invalidSecurityToken)
    }

    @Test func longTermCredentialsRejectAnyToken() {
        let request = Fixtures.kmsRequest().settingHeader("X-Amz-Security-Token", "unexpected")
        #expect(verificationError(verifier, request)?.code == .invalidSecurityToken)
    }

    @Test func sessionCredentialsAcceptTheirToken() throws {
        let request = Fixtures.kmsRequest(credentials: Fixtures.temporaryCredentials)
        let verified = try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.temporaryCredentials))
        #expect(verified.accessKeyID == Fixtures.temporaryCredentials.accessKeyID)
    }

    // MARK: - Payload hash

    @Test func mismatchedContentSHA256IsInvalidSignature() {
        let request = Fixtures.kmsRequest(includeContentSHA256: true)
            .settingHeader("x-amz-content-sha256", String(repeating: "0", count: 64))
        let error = verificationError(verifier, request)
        #expect(error == SigV4Error(code: .invalidSignature, message: "The provided 'x-amz-content-sha256' header does not match what was computed."))
    }

    @Test func matchingContentSHA256Passes() throws {
        let request = Fixtures.kmsRequest(includeContentSHA256: true)
        _ = try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
    }

    @Test func contentSHA256OfAnotherBodyIsRejected() {
        var request = Fixtures.kmsRequest(includeContentSHA256: true)
        request.body = Array(#"{"KeyId": "alias/other"}"#.utf8)
        #expect(verificationError(verifier, request)?.code == .invalidSignature)
    }

    // MARK: - Error values

    @Test func errorDescriptionNamesTheAWSExceptionType() {
        let error = SigV4Error(code: .signatureExpired, message: "Signature expired: x")
        #expect(error.description == "InvalidSignatureException: Signature expired: x")
        #expect(SigV4Error.Code.missingAuthenticationToken.awsErrorType == "MissingAuthenticationTokenException")
        #expect(SigV4Error.Code.incompleteSignature.awsErrorType == "IncompleteSignatureException")
        #expect(SigV4Error.Code.unrecognizedClient.awsErrorType == "UnrecognizedClientException")
        #expect(SigV4Error.Code.invalidSecurityToken.awsErrorType == "UnrecognizedClientException")
        #expect(SigV4Error.Code.invalidSignature.awsErrorType == "InvalidSignatureException")
    }

    @Test func credentialsDescriptionRedactsSecrets() {
        let text = "\(Fixtures.temporaryCredentials) \(String(reflecting: Fixtures.temporaryCredentials))"
        var dumped = ""
        dump(Fixtures.temporaryCredentials, to: &dumped)
        for output in [text, dumped] {
            #expect(!output.contains(Fixtures.secret))
            #expect(!output.contains(Fixtures.temporaryCredentials.sessionToken ?? "?"))
            #expect(output.contains(Fixtures.temporaryCredentials.accessKeyID))
        }
    }

    @Test func longEchoedValuesAreTruncated() {
        let huge = "AWS4-HMAC-SHA256 Credential=" + String(repeating: "A", count: 100_000)
        let request = Fixtures.kmsRequest().settingHeader("Authorization", huge)
        let error = verificationError(verifier, request)
        #expect(error?.code == .incompleteSignature)
        #expect((error?.message.utf8.count ?? .max) < 2_000)
    }
}
