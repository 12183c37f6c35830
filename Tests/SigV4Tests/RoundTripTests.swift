import Foundation
import Testing

@testable import SigV4

@Suite struct RoundTripTests {
    static let cases: [RoundTripCase] = [
        .init(label: "CreateKey", extraHeaders: [(name: "X-Amz-Target", value: "TrentService.CreateKey")],
              body: #"{"KeySpec": "SYMMETRIC_DEFAULT"}"#),
        .init(label: "Encrypt with session token", extraHeaders: [(name: "X-Amz-Target", value: "TrentService.Encrypt")],
              body: #"{"KeyId": "alias/a", "Plaintext": "AAEC"}"#, region: "eu-west-3", temporary: true),
        .init(label: "with x-amz-content-sha256", body: "", includeContentSHA256: true),
        .init(label: "empty body GET with query", method: "GET", path: "/a%20b/./c/../d?z=1&a=%2F&a=0&flag", body: ""),
        .init(label: "repeated and padded headers",
              extraHeaders: [(name: "X-Custom", value: "  a   b  "), (name: "x-custom", value: "c"), (name: "X-Amz-Target", value: "T.X")]),
        .init(label: "non-ASCII body and path", path: "/caf\u{E9}/\u{1F600}", body: "{\"k\": \"\u{1F511}\"}"),
        .init(label: "custom port host", region: "local"),
    ]

    @Test(arguments: cases)
    func signedRequestVerifies(_ testCase: RoundTripCase) throws {
        let credentials = testCase.temporary ? Fixtures.temporaryCredentials : Fixtures.credentials
        let request = SigV4Request(
            method: testCase.method,
            path: testCase.path,
            headers: [(name: "Host", value: "localhost:4599"), (name: "Content-Type", value: "application/x-amz-json-1.1")]
                + testCase.extraHeaders,
            body: Array(testCase.body.utf8)
        )
        let signer = SigV4Signer(credentials: credentials, region: testCase.region)
        let signed = signer.sign(request, date: Fixtures.now, includeContentSHA256: testCase.includeContentSHA256)

        let verified = try SigV4Verifier().verify(signed, now: Fixtures.now, lookup: Fixtures.lookup(credentials))
        #expect(verified == VerifiedSignature(
            accessKeyID: credentials.accessKeyID,
            region: testCase.region,
            service: "kms",
            requestDate: Fixtures.now
        ))
    }

    @Test func signerReturnsTheDocumentedHeaders() {
        let signer = SigV4Signer(credentials: Fixtures.temporaryCredentials, region: "us-east-1")
        let added = signer.signedHeaders(
            method: "POST",
            path: "/",
            headers: [(name: "host", value: "kms.us-east-1.amazonaws.com"), (name: "X-Amz-Target", value: "TrentService.ListKeys")],
            body: Array("{}".utf8),
            date: Fixtures.now,
            includeContentSHA256: true
        )
        #expect(added.map(\.name) == ["x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "authorization"])
        #expect(added[0].value == "20240115T103000Z")
        #expect(added[1].value == Fixtures.temporaryCredentials.sessionToken)
        #expect(added[2].value == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        #expect(added[3].value.hasPrefix(
            "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20240115/us-east-1/kms/aws4_request, "
                + "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target, Signature="
        ))

        let plain = SigV4Signer(credentials: Fixtures.credentials, region: "us-east-1")
            .signedHeaders(method: "POST", path: "/", headers: [(name: "host", value: "h")], body: [], date: Fixtures.now)
        #expect(plain.map(\.name) == ["x-amz-date", "authorization"])
    }

    @Test func signerReplacesStaleGeneratedHeaders() throws {
        let stale = Fixtures.kmsRequest(date: Fixtures.now.addingTimeInterval(-86_400))
        let fresh = SigV4Signer(credentials: Fixtures.credentials, region: "us-east-1").sign(stale, date: Fixtures.now)
        #expect(fresh.headers.filter { $0.name.lowercased() == "authorization" }.count == 1)
        #expect(fresh.headers.filter { $0.name.lowercased() == "x-amz-date" }.count == 1)
        _ = try SigV4Verifier().verify(fresh, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
    }

    @Test func signatureForAnotherServiceIsRejected() {
        let request = SigV4Signer(credentials: Fixtures.credentials, region: "us-east-1", service: "sts")
            .sign(Fixtures.kmsRequest(), date: Fixtures.now)
        let error = verificationError(SigV4Verifier(), request)
        #expect(error?.code == .invalidSignature)
        #expect(error?.message == "Credential should be scoped to correct service: 'kms'.")
    }

    @Test func verifierForAnotherServiceAcceptsItsOwnRequests() throws {
        let request = SigV4Signer(credentials: Fixtures.credentials, region: "us-east-1", service: "sts")
            .sign(Fixtures.kmsRequest(), date: Fixtures.now)
        let verified = try SigV4Verifier(service: "sts").verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
        #expect(verified.service == "sts")
    }

    @Test func headerNameCaseAndOrderDoNotMatter() throws {
        var request = Fixtures.kmsRequest()
        request.headers = request.headers.reversed().map { (name: $0.name.uppercased(), value: $0.value) }
        _ = try SigV4Verifier().verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
    }

    @Test func signingKeyCacheIsUsedAndStaysCorrect() throws {
        let verifier = SigV4Verifier(service: "kms", allowedSkew: 900, allowsUnsignedPayload: true, signingKeyCacheSize: 2)
        for region in ["us-east-1", "eu-west-1", "ap-south-1", "us-east-1"] {
            let request = Fixtures.kmsRequest(region: region)
            _ = try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
        }
        // A cached key must not make a wrong secret pass.
        let wrong = SigV4Credentials(accessKeyID: Fixtures.accessKeyID, secretAccessKey: "wrong", sessionToken: nil)
        #expect(verificationError(verifier, Fixtures.kmsRequest(), lookup: { _ in wrong })?.code == .invalidSignature)
    }

    @Test func concurrentVerificationIsSafe() async throws {
        let verifier = SigV4Verifier()
        let requests = (0..<8).map { Fixtures.kmsRequest(region: "region-\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                let request = requests[index % requests.count]
                group.addTask {
                    _ = try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
                }
            }
            try await group.waitForAll()
        }
    }
}
