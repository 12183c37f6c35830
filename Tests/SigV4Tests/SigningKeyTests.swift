import Foundation
import Testing

@testable import SigV4

@Suite struct SigningKeyTests {
    /// The example in AWS's documentation on deriving a signing key.
    @Test func derivesAWSDocumentedSigningKey() {
        let key = SigningKey(
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            date: "20120215",
            region: "us-east-1",
            service: "iam"
        )
        #expect(Hex.encode(key.bytes) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test func rejectsSignaturesOfTheWrongLength() {
        let key = SigningKey(secretAccessKey: "s", date: "20240115", region: "r", service: "kms")
        let stringToSign = StringToSign(amzDate: "20240115T000000Z", credentialScope: "20240115/r/kms/aws4_request", canonicalRequestHash: "00")
        let signature = key.signature(for: stringToSign)
        #expect(key.isValidSignature(signature, for: stringToSign))
        #expect(!key.isValidSignature(Array(signature.dropLast()), for: stringToSign))
        #expect(!key.isValidSignature(signature + [0], for: stringToSign))
        #expect(!key.isValidSignature([], for: stringToSign))
    }

    @Test func cacheIsBounded() {
        let cache = SigningKeyCache(capacity: 3)
        for day in 10..<20 {
            _ = cache.signingKey(secretAccessKey: "s", date: "202401\(day)", region: "r", service: "kms")
            #expect(cache.count <= 3)
        }
        let cached = cache.signingKey(secretAccessKey: "s", date: "20240119", region: "r", service: "kms")
        let fresh = SigningKey(secretAccessKey: "s", date: "20240119", region: "r", service: "kms")
        #expect(cached.bytes == fresh.bytes)
        #expect(SigningKeyCache(capacity: 0).signingKey(secretAccessKey: "s", date: "20240119", region: "r", service: "kms").bytes == fresh.bytes)
    }
}
