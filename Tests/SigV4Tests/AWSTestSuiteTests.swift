import Foundation
import Testing

@testable import SigV4

/// The AWS Signature Version 4 test suite (see `Vectors/README.md`), each case
/// checked stage by stage and then end to end through the verifier.
@Suite struct AWSTestSuiteTests {
    @Test func suiteFixtureHasEnoughCases() throws {
        let suite = try VectorFiles.awsSuite()
        #expect(suite.cases.count >= 5)
        #expect(suite.accessKeyID == AWSSuiteCase.accessKeyID)
        #expect(suite.secretAccessKey == AWSSuiteCase.secretAccessKey)
        #expect(suite.amzDate == AWSSuiteCase.amzDate)
    }

    @Test(arguments: try VectorFiles.awsSuiteCases())
    func canonicalRequestMatchesTheSuite(_ suiteCase: AWSSuiteCase) throws {
        let authorization = try #require(suiteCase.request.header("authorization"))
        let parsed = try AuthorizationHeader(parsing: authorization)
        let payloadHash = suiteCase.request.header("x-amz-content-sha256")
            ?? "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let canonical = CanonicalRequest(
            method: suiteCase.method,
            path: suiteCase.path,
            headers: suiteCase.request.headers,
            signedHeaders: parsed.signedHeaders,
            payloadHash: payloadHash,
            normalizePath: suiteCase.normalize
        )
        #expect(canonical.string == suiteCase.canonicalRequest)
    }

    @Test(arguments: try VectorFiles.awsSuiteCases())
    func stringToSignAndSignatureMatchTheSuite(_ suiteCase: AWSSuiteCase) throws {
        let lines = suiteCase.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        let canonical = CanonicalRequest(
            method: suiteCase.method,
            path: suiteCase.path,
            headers: suiteCase.request.headers,
            signedHeaders: try #require(lines.dropLast().last).split(separator: ";").map(String.init),
            payloadHash: String(try #require(lines.last)),
            normalizePath: suiteCase.normalize
        )
        let stringToSign = StringToSign(
            amzDate: AWSSuiteCase.amzDate,
            credentialScope: AWSSuiteCase.scope,
            canonicalRequest: canonical
        )
        #expect(stringToSign.string == suiteCase.stringToSign)

        let key = SigningKey(
            secretAccessKey: AWSSuiteCase.secretAccessKey,
            date: "20150830",
            region: "us-east-1",
            service: "service"
        )
        #expect(key.hexSignature(for: stringToSign) == suiteCase.signature)
    }

    @Test(arguments: try VectorFiles.awsSuiteCases().filter(\.normalize))
    func verifierAcceptsSuiteRequest(_ suiteCase: AWSSuiteCase) throws {
        let verifier = SigV4Verifier(service: "service")
        let verified = try verifier.verify(suiteCase.request, now: Fixtures.suiteDate) { id in
            id == AWSSuiteCase.accessKeyID ? suiteCase.credentials : nil
        }
        #expect(
            verified
                == VerifiedSignature(
                    accessKeyID: "AKIDEXAMPLE",
                    region: "us-east-1",
                    service: "service",
                    requestDate: Fixtures.suiteDate
                )
        )
    }

    // The signer signs every header it is given; "post-sts-header-after" adds
    // its token after signing, so it is not reproducible this way.
    @Test(arguments: try VectorFiles.awsSuiteCases().filter { $0.normalize && $0.name != "post-sts-header-after" })
    func signerReproducesSuiteAuthorization(_ suiteCase: AWSSuiteCase) throws {
        let signedByUs = SigV4Signer(credentials: suiteCase.credentials, region: "us-east-1", service: "service")
            .signedHeaders(
                method: suiteCase.method,
                path: suiteCase.path,
                headers: suiteCase.unsignedHeaders,
                body: Array(suiteCase.body.utf8),
                date: Fixtures.suiteDate,
                includeContentSHA256: suiteCase.request.header("x-amz-content-sha256") != nil
            )
        let ours = signedByUs.first { $0.name == "authorization" }?.value
        #expect(ours == suiteCase.request.header("authorization"))
    }
}
