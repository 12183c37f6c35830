import Foundation
import Testing

@testable import SigV4

// MARK: - Fixture files

/// Loads the JSON fixtures in `.vectors/` next to this file (no SwiftPM resources).
enum VectorFiles {
    static func url(_ name: String, relativeTo file: String = #filePath) -> URL {
        URL(fileURLWithPath: file)
            .deletingLastPathComponent()
            .appendingPathComponent(".vectors", isDirectory: true)
            .appendingPathComponent(name)
    }

    static func load<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(name)))
    }

    static func awsSuite() throws -> AWSSuiteFile {
        try load(AWSSuiteFile.self, from: "aws_sigv4_suite.json")
    }

    static func awsSuiteCases() throws -> [AWSSuiteCase] {
        try awsSuite().cases
    }

    static func botocoreCases() throws -> [BotocoreCase] {
        try load(BotocoreFile.self, from: "botocore_kms.json").cases
    }
}

/// `aws_sigv4_suite.json`: the AWS SigV4 test suite (header-signing cases).
struct AWSSuiteFile: Decodable, Sendable {
    var accessKeyID: String
    var secretAccessKey: String
    var region: String
    var service: String
    var amzDate: String
    var cases: [AWSSuiteCase]
}

struct AWSSuiteCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var method: String
    var path: String
    var headers: [[String]]
    var body: String
    var sessionToken: String?
    var normalize: Bool
    var canonicalRequest: String
    var stringToSign: String
    var signature: String

    var testDescription: String { name }

    static let accessKeyID = "AKIDEXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let amzDate = "20150830T123600Z"
    static let scope = "20150830/us-east-1/service/aws4_request"

    var credentials: SigV4Credentials {
        SigV4Credentials(accessKeyID: Self.accessKeyID, secretAccessKey: Self.secretAccessKey, sessionToken: sessionToken)
    }

    var request: SigV4Request {
        SigV4Request(method: method, path: path, headers: headers.pairs, body: Array(body.utf8))
    }

    /// The request's headers without Authorization (what the signer saw).
    var unsignedHeaders: [(name: String, value: String)] {
        headers.pairs.filter { $0.name.lowercased() != "authorization" }
    }
}

/// `botocore_kms.json`: KMS requests signed by botocore at a frozen time.
struct BotocoreFile: Decodable, Sendable {
    var botocoreVersion: String
    var cases: [BotocoreCase]
}

struct BotocoreCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var description: String
    var method: String
    var path: String
    var headers: [[String]]
    var bodyBase64: String
    var accessKeyID: String
    var secretAccessKey: String
    var sessionToken: String?
    var region: String
    var service: String
    var amzDate: String
    var canonicalRequest: String
    var stringToSign: String
    var authorization: String
    var signature: String

    var testDescription: String { name }

    var body: [UInt8] { Array(Data(base64Encoded: bodyBase64) ?? Data()) }

    var credentials: SigV4Credentials {
        SigV4Credentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }

    var request: SigV4Request {
        SigV4Request(method: method, path: path, headers: headers.pairs, body: body)
    }

    var signingDate: Date {
        AmzDate(iso8601Basic: amzDate)?.date ?? .distantPast
    }

    var usesUnsignedPayload: Bool {
        request.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" && $0.value == "UNSIGNED-PAYLOAD" }
    }

    var usesDateHeader: Bool {
        !request.headers.contains { $0.name.lowercased() == "x-amz-date" }
    }
}

extension [[String]] {
    /// JSON `[[name, value], ...]` as header pairs.
    var pairs: [(name: String, value: String)] {
        compactMap { pair in
            guard pair.count == 2 else { return nil }
            return (name: pair[0], value: pair[1])
        }
    }
}

// MARK: - Request helpers

extension SigV4Request {
    /// A copy with every header named `name` (any case) removed.
    func removingHeader(_ name: String) -> SigV4Request {
        var copy = self
        copy.headers.removeAll { $0.name.lowercased() == name.lowercased() }
        return copy
    }

    /// A copy with the header named `name` set to `value` (replacing all occurrences).
    func settingHeader(_ name: String, _ value: String) -> SigV4Request {
        var copy = removingHeader(name)
        copy.headers.append((name: name, value: value))
        return copy
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

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
