import Foundation
import Testing

@testable import SigV4

/// Requests signed by botocore (boto3 / AWS CLI) at a frozen time; see
/// `Vectors/capture_botocore.py`.
@Suite struct BotocoreGoldenTests {
    let verifier = SigV4Verifier()

    private func lookup(_ golden: BotocoreCase) -> (String) -> SigV4Credentials? {
        { id in id == golden.accessKeyID ? golden.credentials : nil }
    }

    @Test func fixtureHasClientAndSigV4AuthCases() throws {
        let cases = try VectorFiles.botocoreCases()
        #expect(cases.contains { $0.name.hasPrefix("client-") })
        #expect(cases.contains { $0.name.hasPrefix("sigv4auth-") })
        #expect(cases.contains { $0.sessionToken != nil })
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func verifierAcceptsBotocoreRequest(_ golden: BotocoreCase) throws {
        let verified = try verifier.verify(golden.request, now: golden.signingDate, lookup: lookup(golden))
        #expect(verified.accessKeyID == golden.accessKeyID)
        #expect(verified.region == golden.region)
        #expect(verified.service == "kms")
        #expect(verified.requestDate == golden.signingDate)
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func canonicalRequestAndStringToSignMatchBotocore(_ golden: BotocoreCase) throws {
        let parsed = try AuthorizationHeader(parsing: golden.authorization)
        let payloadHash = golden.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).last
        let canonical = CanonicalRequest(
            method: golden.method,
            path: golden.path,
            headers: golden.request.headers,
            signedHeaders: parsed.signedHeaders,
            payloadHash: String(try #require(payloadHash))
        )
        #expect(canonical.string == golden.canonicalRequest)
        let stringToSign = StringToSign(
            amzDate: golden.amzDate,
            credentialScope: parsed.credential.scope,
            canonicalRequest: canonical
        )
        #expect(stringToSign.string == golden.stringToSign)
        let key = SigningKey(
            secretAccessKey: golden.secretAccessKey,
            date: parsed.credential.date,
            region: golden.region,
            service: "kms"
        )
        #expect(key.hexSignature(for: stringToSign) == golden.signature)
    }

    @Test(arguments: try VectorFiles.botocoreCases().filter { !$0.usesDateHeader && !$0.usesUnsignedPayload })
    func signerReproducesBotocoreAuthorization(_ golden: BotocoreCase) throws {
        let parsed = try AuthorizationHeader(parsing: golden.authorization)
        // Give the signer exactly the headers botocore signed, minus the ones it generates.
        let generated: Set<String> = ["x-amz-date", "x-amz-security-token", "authorization"]
        let toSign = golden.request.headers.filter { header in
            let name = header.name.lowercased()
            return parsed.signedHeaders.contains(name) && !generated.contains(name)
        }
        let added = SigV4Signer(credentials: golden.credentials, region: golden.region)
            .signedHeaders(method: golden.method, path: golden.path, headers: toSign, body: golden.body, date: golden.signingDate)
        #expect(added.first { $0.name == "authorization" }?.value == golden.authorization)
        #expect(added.first { $0.name == "x-amz-date" }?.value == golden.amzDate)
        #expect(added.first { $0.name == "x-amz-security-token" }?.value == golden.sessionToken)
    }

    // MARK: - Tampering

    @Test(arguments: try VectorFiles.botocoreCases().filter { !$0.usesUnsignedPayload })
    func changingOneBodyByteFailsAsInvalidSignature(_ golden: BotocoreCase) throws {
        var request = golden.request
        if request.body.isEmpty {
            request.body = [0x20]
        } else {
            request.body[request.body.count / 2] ^= 0x01
        }
        let error = verificationError(verifier, request, now: golden.signingDate, lookup: lookup(golden))
        #expect(error?.code == .invalidSignature)
        #expect(error?.message == SigV4Error.invalidSignatureMessage)
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func changingASignedHeaderValueFailsAsInvalidSignature(_ golden: BotocoreCase) throws {
        for name in ["host", "content-type", "x-amz-target"] {
            guard let value = golden.request.header(name) else { continue }
            let request = golden.request.settingHeader(name, value + "x")
            let error = verificationError(verifier, request, now: golden.signingDate, lookup: lookup(golden))
            #expect(error?.code == .invalidSignature, "header \(name)")
        }
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func unsignedHeadersMayChange(_ golden: BotocoreCase) throws {
        let request = golden.request
            .settingHeader("User-Agent", "something else")
            .settingHeader("amz-sdk-request", "attempt=2")
        _ = try verifier.verify(request, now: golden.signingDate, lookup: lookup(golden))
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func wrongSecretFailsAsInvalidSignature(_ golden: BotocoreCase) throws {
        var credentials = golden.credentials
        credentials.secretAccessKey = String(credentials.secretAccessKey.dropLast()) + "X"
        let error = verificationError(verifier, golden.request, now: golden.signingDate) { _ in credentials }
        #expect(error?.code == .invalidSignature)
        // The message never leaks the secret or the signature the server computed.
        let parsed = try AuthorizationHeader(parsing: golden.authorization)
        let payloadHash = golden.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
        let canonical = CanonicalRequest(
            method: golden.method,
            path: golden.path,
            headers: golden.request.headers,
            signedHeaders: parsed.signedHeaders,
            payloadHash: String(payloadHash)
        )
        let serverSignature = SigningKey(
            secretAccessKey: credentials.secretAccessKey,
            date: parsed.credential.date,
            region: golden.region,
            service: "kms"
        ).hexSignature(
            for: StringToSign(amzDate: golden.amzDate, credentialScope: parsed.credential.scope, canonicalRequest: canonical)
        )
        #expect(serverSignature != golden.signature)
        let message = error?.message ?? ""
        #expect(!message.contains(credentials.secretAccessKey))
        #expect(!message.contains(golden.secretAccessKey))
        #expect(!message.contains(serverSignature))
        let description = error.map(String.init(describing:)) ?? ""
        #expect(!description.contains(golden.secretAccessKey))
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func changingTheDateBySecondFailsAsInvalidSignature(_ golden: BotocoreCase) throws {
        let later = golden.signingDate.addingTimeInterval(1)
        let request: SigV4Request
        if golden.usesDateHeader {
            request = golden.request.settingHeader("Date", "Mon, 15 Jan 2024 10:30:01 GMT")
        } else {
            request = golden.request.settingHeader("X-Amz-Date", AmzDate(date: later).iso8601Basic)
        }
        let error = verificationError(verifier, request, now: golden.signingDate, lookup: lookup(golden))
        #expect(error?.code == .invalidSignature)
        #expect(error?.message == SigV4Error.invalidSignatureMessage)
    }

    @Test(arguments: try VectorFiles.botocoreCases().filter { !$0.usesDateHeader })
    func changingTheDayFailsAsCredentialScopeMismatch(_ golden: BotocoreCase) throws {
        let nextDay = golden.signingDate.addingTimeInterval(86_400)
        let request = golden.request.settingHeader("X-Amz-Date", AmzDate(date: nextDay).iso8601Basic)
        let error = verificationError(verifier, request, now: nextDay, lookup: lookup(golden))
        #expect(error?.code == .invalidSignature)
        #expect(
            error?.message
                == "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + "'20240115' != '20240116', from '20240116T103000Z'."
        )
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func verifyingAnHourLaterFailsAsExpired(_ golden: BotocoreCase) throws {
        let error = verificationError(
            verifier,
            golden.request,
            now: golden.signingDate.addingTimeInterval(3600),
            lookup: lookup(golden)
        )
        #expect(error?.code == .signatureExpired)
        #expect(
            error?.message
                == "Signature expired: 20240115T103000Z is now earlier than 20240115T111500Z (20240115T113000Z - 15 min.)"
        )
    }

    @Test(arguments: try VectorFiles.botocoreCases())
    func unknownAccessKeyFailsAsUnrecognizedClient(_ golden: BotocoreCase) throws {
        let error = verificationError(verifier, golden.request, now: golden.signingDate) { _ in nil }
        #expect(error == SigV4Error(code: .unrecognizedClient, message: "The security token included in the request is invalid."))
    }

    @Test(arguments: try VectorFiles.botocoreCases().filter { $0.sessionToken != nil })
    func droppingOrChangingTheSessionTokenFails(_ golden: BotocoreCase) throws {
        let dropped = golden.request.removingHeader("x-amz-security-token")
        #expect(verificationError(verifier, dropped, now: golden.signingDate, lookup: lookup(golden))?.code == .invalidSecurityToken)
        let changed = golden.request.settingHeader("X-Amz-Security-Token", (golden.sessionToken ?? "") + "x")
        #expect(verificationError(verifier, changed, now: golden.signingDate, lookup: lookup(golden))?.code == .invalidSecurityToken)
    }

    @Test(arguments: try VectorFiles.botocoreCases().filter(\.usesUnsignedPayload))
    func unsignedPayloadIsAcceptedOnlyWhenAllowed(_ golden: BotocoreCase) throws {
        // With UNSIGNED-PAYLOAD the body is not covered by the signature.
        var request = golden.request
        request.body += Array(" ".utf8)
        _ = try verifier.verify(request, now: golden.signingDate, lookup: lookup(golden))

        let strict = SigV4Verifier(service: "kms", allowedSkew: 900, allowsUnsignedPayload: false)
        let error = verificationError(strict, golden.request, now: golden.signingDate, lookup: lookup(golden))
        #expect(error?.code == .invalidSignature)
        #expect(error?.message == "The provided 'x-amz-content-sha256' header does not match what was computed.")
    }
}
