import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KMSCore
import Logging
import NIOCore
import SigV4
import Testing

@testable import KMSServer

/// Fixtures for the HTTP-level tests: identities, a fixed clock near the signing date, and a SigV4 test signer.
enum ServerFixtures {
    /// 2026-01-01T00:00:00Z: every request is signed at this instant unless a test says otherwise.
    static let signingDate = Date(timeIntervalSince1970: 1_767_225_600)
    static let developmentAccount = "000000000000"
    static let otherIdentity = Identity(
        accessKeyID: "AKIDOTHERACCOUNT", secretAccessKey: "other-secret", principal: .root("222233334444")
    )
    /// An IAM user of the development account with one identity policy: Encrypt and CreateGrant only.
    static let alice = Identity(
        accessKeyID: "AKIDALICE", secretAccessKey: "alice-secret", principal: PrincipalARN("arn:aws:iam::000000000000:user/alice")!,
        policies: [
            try! PolicyDocument(
                parsing: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:CreateGrant"],"Resource":"*"}]}"#,
                kind: .identity
            )
        ]
    )
    static let aliceCredentials = SigV4Credentials(accessKeyID: "AKIDALICE", secretAccessKey: "alice-secret")
    static let identities = IdentityDirectory([.development, otherIdentity, alice])
    static let credentials = SigV4Credentials(accessKeyID: "test", secretAccessKey: "test")
    static let rootKey = [UInt8](repeating: 0x11, count: 32)
}

/// One in-process Coffer: the service, its store and clock, and the application built as `coffer serve` builds it.
struct CofferHarness {
    let clock: FixedClock
    let store: InMemoryKeyStore
    let service: KMSService
    let logger: Logger

    init(logger: Logger = Logger(label: "coffer.test", factory: { _ in SwiftLogNoOpLogHandler() })) {
        clock = FixedClock(ServerFixtures.signingDate.addingTimeInterval(30))
        store = InMemoryKeyStore()
        service = KMSService(
            store: store, sealer: try! MaterialSealer(rootKey: ServerFixtures.rootKey), clock: clock, random: SeededRandom(seed: 11)
        )
        self.logger = logger
    }

    /// Runs `body` against the application in the given testing mode.
    func test<Value: Sendable>(
        _ setup: TestingSetup = .router, audit: AuditLog? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = try buildApplication(
            service: service, identities: ServerFixtures.identities, host: "127.0.0.1", port: 0, audit: audit, logger: logger
        )
        return try await app.test(setup, body)
    }
}

/// Builds the headers of a signed AWS JSON 1.1 request.
/// - Parameters:
///   - target: the operation; nil leaves out `X-Amz-Target`.
///   - host: the authority HummingbirdTesting gives the request (`localhost` in both router and live mode).
func signedHeaders(
    target: String?, body: [UInt8], date: Date = ServerFixtures.signingDate,
    credentials: SigV4Credentials = ServerFixtures.credentials, region: String = "us-east-1", method: String = "POST", host: String = "localhost"
) -> HTTPFields {
    var toSign: [(name: String, value: String)] = [("host", host), ("content-type", "application/x-amz-json-1.1")]
    if let target { toSign.append(("x-amz-target", target)) }
    let signer = SigV4Signer(credentials: credentials, region: region)
    let added = signer.signedHeaders(method: method, path: "/", headers: toSign, body: body, date: date)
    var fields = HTTPFields()
    for (name, value) in toSign + added where name != "host" {
        fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
    }
    return fields
}

/// Sends a signed `TrentService.<operation>` call.
func call(
    _ client: any TestClientProtocol, _ operation: String, _ json: String = "{}", date: Date = ServerFixtures.signingDate,
    credentials: SigV4Credentials = ServerFixtures.credentials, region: String = "us-east-1"
) async throws -> TestResponse {
    let body = Array(json.utf8)
    let headers = signedHeaders(target: "TrentService.\(operation)", body: body, date: date, credentials: credentials, region: region)
    return try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(bytes: body))
}

extension TestResponse {
    var bodyBytes: [UInt8] { Array(body.readableBytesView) }
    var bodyText: String { String(decoding: bodyBytes, as: UTF8.self) }

    /// The body as a JSON object; records an issue when it is not one.
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bodyBytes))) as? [String: Any] else {
            Issue.record("body is not a JSON object: \(bodyText)", sourceLocation: sourceLocation)
            return [:]
        }
        return object
    }
}

/// Checks an AWS JSON 1.1 error response: status, headers and a body of exactly `__type` and `message`.
func expectError(
    _ response: TestResponse, _ type: String, status: Int = 400, message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status.code == status, "\(response.bodyText)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/x-amz-json-1.1", sourceLocation: sourceLocation)
    #expect(response.headers[HTTPField.Name("x-amzn-RequestId")!] != nil, sourceLocation: sourceLocation)
    #expect(response.headers[HTTPField.Name("x-amzn-ErrorType")!] == type, sourceLocation: sourceLocation)
    let object = response.jsonObject(sourceLocation: sourceLocation)
    // An error with nothing to say has no message member at all, as AWS sends it.
    let members: Set<String> = (object["message"] as? String) == nil ? ["__type"] : ["__type", "message"]
    #expect(Set(object.keys) == members, "\(response.bodyText)", sourceLocation: sourceLocation)
    if message == "" { #expect(object["message"] == nil, "\(response.bodyText)", sourceLocation: sourceLocation) }
    #expect(object["__type"] as? String == type, "\(response.bodyText)", sourceLocation: sourceLocation)
    if let message, !message.isEmpty {
        #expect(object["message"] as? String == message, sourceLocation: sourceLocation)
    }
}

/// Serialises a `JSONValue` (for bodies generated from the service model).
func jsonText(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n, let integral): return integral ? String(Int64(n)) : String(n)
    case .string(let s): return KMSProtocolHandler.jsonString(s)
    case .array(let items): return "[" + items.map(jsonText).joined(separator: ",") + "]"
    case .object(let members): return "{" + members.map { KMSProtocolHandler.jsonString($0.0) + ":" + jsonText($0.1) }.joined(separator: ",") + "}"
    }
}

/// A JSON object re-serialised with sorted keys, for comparing documents.
func canonicalJSON(_ object: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "<invalid>" }
    return String(decoding: data, as: UTF8.self)
}

extension ServiceModel {
    /// A request for `operation` holding only required members, each with a value the model accepts.
    func minimalRequest(for operation: String) -> JSONValue? {
        guard let inputName = inputShapes[operation] else { return nil }
        guard let inputName else { return .object([]) }
        return minimalValue(inputName, depth: 0)
    }

    static let stringCandidates = [
        "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/example", "cks-1234567890abcdef0", "us-west-2", "default",
        "arn:aws:iam::111122223333:root", "{}", String(repeating: "a", count: 64), "abcdefghijklmnopqrstuvwxyz234567", "a",
    ]

    private func minimalValue(_ shapeName: String, depth: Int) -> JSONValue? {
        guard depth < 8, let shape = shapes[shapeName] else { return nil }
        switch shape.type {
        case .structure:
            var members: [(String, JSONValue)] = []
            for name in shape.required {
                guard let memberShape = shape.members.first(where: { $0.name == name })?.shape,
                    let value = minimalValue(memberShape, depth: depth + 1)
                else { return nil }
                members.append((name, value))
            }
            return .object(members)
        case .string:
            if let first = shape.enumValues?.first { return .string(first) }
            return Self.stringCandidates.first { fits($0, shape) }.map(JSONValue.string)
        case .blob:
            return .string("AAAA")
        case .boolean:
            return .bool(true)
        case .integer, .long:
            return .number(Double(shape.min ?? 1), integral: true)
        case .double, .float, .timestamp:
            return .number(1_767_225_600, integral: true)
        case .list:
            guard let member = shape.member, let item = minimalValue(member, depth: depth + 1) else { return nil }
            return .array(Array(repeating: item, count: max(shape.min ?? 1, 1)))
        case .map:
            return .object([])
        }
    }

    private func fits(_ text: String, _ shape: Shape) -> Bool {
        let length = text.utf16.count
        if let min = shape.min, length < min { return false }
        if let max = shape.max, length > max { return false }
        if let pattern = shape.pattern {
            let range = NSRange(text.startIndex..<text.endIndex, in: text)
            return pattern.regex.firstMatch(in: text, options: [], range: range) != nil
        }
        return true
    }
}
