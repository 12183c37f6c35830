import Foundation
import Testing

@testable import SigV4

enum Fixtures {
    static let accessKeyID = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let credentials = SigV4Credentials(accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: nil)
    static let temporaryCredentials = SigV4Credentials(
        accessKeyID: "ASIAIOSFODNN7EXAMPLE",
        secretAccessKey: secret,
        sessionToken: "FwoGZXIvYXdzEXAMPLE//session+token="
    )

    /// 2015-08-30T12:36:00Z.
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)
    /// 2024-01-15T10:30:00Z.
    static let now = Date(timeIntervalSince1970: 1_705_314_600)

    static func lookup(_ known: SigV4Credentials...) -> @Sendable (String) -> SigV4Credentials? {
        { id in known.first { $0.accessKeyID == id } }
    }

    /// A KMS Encrypt request as botocore would send it, signed at `date`.
    static func kmsRequest(
        credentials: SigV4Credentials = credentials,
        region: String = "us-east-1",
        date: Date = now,
        body: String = #"{"KeyId": "alias/test", "Plaintext": "aGVsbG8="}"#,
        includeContentSHA256: Bool = false
    ) -> SigV4Request {
        let unsigned = SigV4Request(
            method: "POST",
            path: "/",
            headers: [
                (name: "host", value: "kms.\(region).amazonaws.com"),
                (name: "Content-Type", value: "application/x-amz-json-1.1"),
                (name: "X-Amz-Target", value: "TrentService.Encrypt"),
            ],
            body: Array(body.utf8)
        )
        return SigV4Signer(credentials: credentials, region: region)
            .sign(unsigned, date: date, includeContentSHA256: includeContentSHA256)
    }
}

/// Runs `verify` and returns the error it threw, recording an issue if it did not throw.
func verificationError(
    _ verifier: SigV4Verifier = SigV4Verifier(),
    _ request: SigV4Request,
    now: Date = Fixtures.now,
    lookup: (String) -> SigV4Credentials? = Fixtures.lookup(Fixtures.credentials, Fixtures.temporaryCredentials),
    sourceLocation: SourceLocation = #_sourceLocation
) -> SigV4Error? {
    do throws(SigV4Error) {
        let verified = try verifier.verify(request, now: now, lookup: lookup)
        Issue.record("expected verification to fail, but it passed: \(verified)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
