import Crypto
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

@Suite struct AuditChainTests {
    static func chain(_ count: Int) -> [[UInt8]] {
        var previous = AuditChain.genesis
        var lines: [[UInt8]] = []
        for sequence in 1...count {
            let sealed = AuditChain.seal(Array("{\"eventName\":\"Encrypt\",\"n\":\(sequence)".utf8), sequence: UInt64(sequence), previous: previous)
            previous = sealed.hash
            lines.append(sealed.line)
        }
        return lines
    }

    static func verify(_ lines: [[UInt8]]) -> (index: Int, reason: String)? {
        var verifier = AuditChain.Verifier()
        for (index, line) in lines.enumerated() {
            do {
                _ = try verifier.check(line[...])
            } catch {
                return (index, error.description)
            }
        }
        return nil
    }

    @Test func anIntactChainVerifies() throws {
        let lines = Self.chain(5)
        #expect(Self.verify(lines) == nil)
        let record = try AuditChain.open(lines[2][...]).get()
        #expect(record.sequence == 3)
        #expect(record.event["eventName"] == .string("Encrypt"))
    }

    @Test func theHashIsSHA256OfEverythingBeforeIt() throws {
        let line = Self.chain(1)[0]
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix(#"{"eventName":"Encrypt","n":1,"cofferChain":{"sequence":1,"previous":"0000000000000000000000000000000000000000000000000000000000000000"},"cofferHash":""#))
        let body = Array(text.utf8.prefix(text.utf8.count - 81))
        #expect(text.hasSuffix(Hex.encode(Array(SHA256.hash(data: body))) + "\"}"))
    }

    @Test(arguments: [0, 2, 4])
    func anEditedRecordIsCaughtWhereItWasEdited(index: Int) {
        var lines = Self.chain(5)
        let text = String(decoding: lines[index], as: UTF8.self).replacingOccurrences(of: "Encrypt", with: "Decrypt")
        lines[index] = Array(text.utf8)
        #expect(Self.verify(lines)?.index == index)
        #expect(Self.verify(lines)?.reason.contains("hash mismatch") == true)
    }

    @Test func aRemovedRecordIsCaughtAtTheNextOne() {
        var lines = Self.chain(5)
        lines.remove(at: 2)
        #expect(Self.verify(lines)?.index == 2)
        #expect(Self.verify(lines)?.reason.contains("sequence 4 follows 2") == true)
    }

    @Test func swappedRecordsAreCaught() {
        var lines = Self.chain(4)
        lines.swapAt(1, 2)
        #expect(Self.verify(lines)?.index == 1)
    }

    @Test func aRecordResealedWithAnotherPreviousIsCaught() {
        var lines = Self.chain(3)
        lines[1] = AuditChain.seal(Array("{\"eventName\":\"Forged\"".utf8), sequence: 2, previous: AuditChain.genesis).line
        #expect(Self.verify(lines)?.index == 1)
        #expect(Self.verify(lines)?.reason.contains("previous hash") == true)
    }

    @Test(arguments: [(Int64(0), "1970-01-01T00:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"), (1_796_406_277, "2026-12-04T17:44:37Z"),
        (-86_401, "1969-12-30T23:59:59Z"), (4_102_444_799, "2099-12-31T23:59:59Z")])
    func eventTimesAreUTCSeconds(seconds: Int64, text: String) {
        #expect(AuditTime.format(Date(timeIntervalSince1970: TimeInterval(seconds) + 0.75)) == text)
        #expect(AuditTime.parse(text) == Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

@Suite struct AuditRedactionTests {
    let model = ServiceModel.bundled

    @Test func secretsAndTokensAreLeftOutOfRequestParameters() throws {
        let body = try JSONParser.parse(Array(#"""
            {"KeyId":"alias/a","Plaintext":"c2VjcmV0","EncryptionContext":{"Purpose":"x"},"GrantTokens":["token"],"Unknown":"u"}
            """#.utf8))
        let projected = model.auditRequestParameters(body, operation: "Encrypt")
        #expect(projected == .object([("keyId", .string("alias/a")), ("encryptionContext", .object([("Purpose", .string("x"))]))]))
    }

    @Test func importTokensAndWrappedMaterialAreLeftOut() throws {
        let body = try JSONParser.parse(Array(#"{"KeyId":"k","ImportToken":"AAAA","EncryptedKeyMaterial":"BBBB","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}"#.utf8))
        #expect(
            model.auditRequestParameters(body, operation: "ImportKeyMaterial")
                == .object([("keyId", .string("k")), ("expirationModel", .string("KEY_MATERIAL_DOES_NOT_EXPIRE"))])
        )
    }

    @Test func grantTokensAreLeftOutOfResponseElements() throws {
        let body = try JSONParser.parse(Array(#"{"GrantToken":"secret-token","GrantId":"g1"}"#.utf8))
        #expect(model.auditResponseElements(body, operation: "CreateGrant") == .object([("grantId", .string("g1"))]))
    }

    @Test func dataKeysAndPrivateKeysAreLeftOutOfResponses() throws {
        let body = try JSONParser.parse(Array(#"{"KeyId":"k","Plaintext":"AAAA","CiphertextBlob":"BBBB","PrivateKeyPlaintext":"CCCC"}"#.utf8))
        #expect(model.auditResponseElements(body, operation: "GenerateDataKeyPair") == .object([("keyId", .string("k"))]))
    }

    @Test func valuesOfTheWrongTypeAreDropped() throws {
        let body = try JSONParser.parse(Array(#"{"KeyId":{"nested":"x"},"Description":"d"}"#.utf8))
        #expect(model.auditRequestParameters(body, operation: "UpdateKeyDescription") == .object([("description", .string("d"))]))
    }
}

/// The responder writes one event per request, with the keys it was authorized against.
@Suite struct AuditHTTPTests {
    static func events(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    static func withAudit(mode: AuditLog.Mode = .sync, path: String? = nil, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws -> String {
        let file = path ?? NSTemporaryDirectory() + "coffer-audit-\(UUID().uuidString).log"
        let audit = try AuditLog(configuration: .init(path: file, mode: mode), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let harness = CofferHarness()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await audit.run() }
            try await harness.test(audit: audit, body)
            group.cancelAll()
        }
        return file
    }

    @Test func everyRequestHasOneEventWithTheResolvedKeys() async throws {
        let file = try await Self.withAudit { client in
            let created = try await call(client, "CreateKey", #"{"Description":"audited"}"#)
            let keyID = ((created.jsonObject()["KeyMetadata"] as? [String: Any])?["KeyId"] as? String) ?? ""
            _ = try await call(client, "CreateAlias", #"{"AliasName":"alias/audited","TargetKeyId":"\#(keyID)"}"#)
            let encrypted = try await call(client, "Encrypt", #"{"KeyId":"alias/audited","Plaintext":"c2VjcmV0LXBsYWlu"}"#)
            let blob = encrypted.jsonObject()["CiphertextBlob"] as? String ?? ""
            _ = try await call(client, "Decrypt", #"{"CiphertextBlob":"\#(blob)"}"#)
            _ = try await call(client, "DescribeKey", #"{"KeyId":"alias/missing"}"#)
            _ = try await call(client, "ListKeys")
        }
        let events = try Self.events(file)
        #expect(events.map { $0["eventName"] as? String } == ["CreateKey", "CreateAlias", "Encrypt", "Decrypt", "DescribeKey", "ListKeys"])
        let keyARNs = events.map { (($0["resources"] as? [[String: Any]]) ?? []).compactMap { $0["ARN"] as? String } }
        let arn = keyARNs[0].first ?? "?"
        #expect(arn.hasPrefix("arn:aws:kms:us-east-1:000000000000:key/"))
        #expect(keyARNs == [[arn], [arn], [arn], [arn], [], []])
        #expect(events[4]["errorCode"] as? String == "NotFoundException")
        #expect(events.map { $0["readOnly"] as? Bool } == [false, false, true, true, true, true])
        #expect((events[0]["responseElements"] as? [String: Any])?["keyMetadata"] != nil)
        #expect(events[2]["responseElements"] is NSNull)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains("c2VjcmV0LXBsYWlu") && !text.contains("secret-plain"))
        var verifier = AuditChain.Verifier()
        for (_, line) in AuditChain.lines(Array(text.utf8)) { _ = try verifier.check(line) }
        #expect(verifier.records == 6)
    }

    @Test func unauthenticatedRequestsAreAuditedWithTheClaimedKey() async throws {
        let file = try await Self.withAudit { client in
            let wrong = SigV4Credentials(accessKeyID: "AKIDNOBODY", secretAccessKey: "nope")
            _ = try await call(client, "ListKeys", credentials: wrong, region: "eu-west-1")
        }
        let event = try #require(try Self.events(file).first)
        #expect(event["errorCode"] as? String == "UnrecognizedClientException")
        #expect(event["userIdentity"] as? [String: String] == ["type": "Unknown", "accessKeyId": "AKIDNOBODY"])
        #expect(event["awsRegion"] as? String == "eu-west-1")
    }

    @Test func aFailingAuditFileRefusesRequestsInSyncMode() async throws {
        _ = try await Self.withAudit(path: "/dev/full") { client in
            let first = try await call(client, "ListKeys")
            expectError(first, "KMSInternalException", status: 500)
            let second = try await call(client, "CreateKey")
            expectError(second, "KMSInternalException", status: 500)
        }
    }

    @Test func asyncModeAnswersWithoutWaiting() async throws {
        let file = try await Self.withAudit(mode: .async) { client in
            for _ in 0..<20 {
                let response = try await call(client, "ListKeys")
                #expect(response.status == .ok)
            }
        }
        #expect(try Self.events(file).count == 20)
    }
}
