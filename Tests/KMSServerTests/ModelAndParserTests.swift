import Foundation
import HTTPTypes
import HummingbirdCore
import KMSCore
import Testing

@testable import KMSServer

@Suite struct ServiceModelTests {
    let model = ServiceModel.bundled

    func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    /// The ValidationException message for `body`, or nil when it validates.
    func validationMessage(_ operation: String, _ body: String) throws -> String? {
        do {
            try model.validate(try json(body), operation: operation)
            return nil
        } catch let error as KMSError {
            #expect(error.code == .validation, "\(error)")
            return error.message
        }
    }

    @Test func bundledModelHasEveryOperation() {
        #expect(model.inputShapes.count == 54)
        #expect(Set(model.inputShapes.keys) == Set(OperationName.allCases.map(\.rawValue)))
        for (operation, input) in model.inputShapes {
            if let input { #expect(model.shapes[input]?.type == .structure, "\(operation)") }
        }
    }

    @Test func everyShapeReferenceResolves() {
        for (name, shape) in model.shapes {
            for member in shape.members { #expect(model.shapes[member.shape] != nil, "\(name).\(member.name)") }
            if let member = shape.member { #expect(model.shapes[member] != nil, "\(name).member") }
            if let value = shape.value { #expect(model.shapes[value] != nil, "\(name).value") }
        }
    }

    struct MessageCase: Sendable, CustomTestStringConvertible {
        var operation: String
        var body: String
        var message: String
        var testDescription: String { "\(operation) \(body)" }
    }

    static let messages: [MessageCase] = [
        MessageCase(
            operation: "DescribeKey", body: "{}",
            message: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        ),
        MessageCase(
            operation: "DescribeKey", body: #"{"KeyId": null}"#,
            message: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        ),
        MessageCase(
            operation: "DescribeKey", body: #"{"KeyId": ""}"#,
            message: "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ),
        MessageCase(
            operation: "CreateAlias", body: #"{"AliasName": "alias/bad name", "TargetKeyId": "k"}"#,
            message:
                "1 validation error detected: Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        ),
        MessageCase(
            operation: "CreateKey", body: #"{"Description": "\#(String(repeating: "x", count: 8193))"}"#,
            message:
                "1 validation error detected: Value '\(String(repeating: "x", count: 8193))' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192"
        ),
        MessageCase(
            operation: "GenerateRandom", body: #"{"NumberOfBytes": 0}"#,
            message: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ),
        MessageCase(
            operation: "GenerateRandom", body: #"{"NumberOfBytes": 1025}"#,
            message: "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
        ),
        MessageCase(
            operation: "CreateKey", body: #"{"KeySpec": "AES_256"}"#,
            message:
                "1 validation error detected: Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_EDWARDS25519, ML_DSA_87, ML_DSA_65, ECC_NIST_P256, ML_DSA_44, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]"
        ),
        MessageCase(
            operation: "CreateKey", body: #"{"Tags": [{"TagKey": "ok", "TagValue": ""}, {"TagKey": "", "TagValue": "v"}]}"#,
            message: "1 validation error detected: Value '' at 'tags.2.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ),
        MessageCase(
            operation: "CreateKey", body: #"{"Tags": [{"TagValue": "v"}]}"#,
            message: "1 validation error detected: Value null at 'tags.1.member.tagKey' failed to satisfy constraint: Member must not be null"
        ),
        MessageCase(
            operation: "TagResource", body: #"{"KeyId": "k", "Tags": [{"TagKey": "\#(String(repeating: "k", count: 129))", "TagValue": "v"}]}"#,
            message:
                "1 validation error detected: Value '\(String(repeating: "k", count: 129))' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128"
        ),
        MessageCase(
            operation: "CreateAlias", body: #"{"AliasName": ""}"#,
            message:
                "3 validation errors detected: Value null at 'targetKeyId' failed to satisfy constraint: Member must not be null; Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        ),
        MessageCase(
            operation: "UpdateCustomKeyStore", body: #"{"CustomKeyStoreId": "cks-1", "KeyStorePassword": "short"}"#,
            message:
                "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7"
        ),
    ]

    @Test(arguments: messages)
    func violationsAreWordedAsAWSWordsThem(_ messageCase: MessageCase) throws {
        #expect(try validationMessage(messageCase.operation, messageCase.body) == messageCase.message)
    }

    @Test(arguments: [
        ("DescribeKey", #"{"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}"#),
        ("DescribeKey", #"{"KeyId": "k", "Unknown": {"deep": [1, 2]}}"#),
        ("CreateKey", "{}"),
        ("CreateKey", #"{"Tags": [], "MultiRegion": null, "Description": ""}"#),
        ("ListKeys", "{}"),
        ("GenerateRandom", #"{"NumberOfBytes": 1024}"#),
        ("GenerateRandom", #"{"NumberOfBytes": 1.0}"#),
    ])
    func validRequestsPass(_ operation: String, _ body: String) throws {
        #expect(try validationMessage(operation, body) == nil)
    }

    @Test(arguments: [
        ("DescribeKey", #"{"KeyId": 5}"#),
        ("DescribeKey", #"{"KeyId": ["a"]}"#),
        ("DescribeKey", "[]"),
        ("DescribeKey", #""text""#),
        ("CreateKey", #"{"BypassPolicyLockoutSafetyCheck": "true"}"#),
        ("CreateKey", #"{"Tags": [5]}"#),
        ("GenerateRandom", #"{"NumberOfBytes": "8"}"#),
        ("GenerateRandom", #"{"NumberOfBytes": 2.5}"#),
        ("GenerateRandom", #"{"NumberOfBytes": 1e300}"#),
        ("Encrypt", #"{"KeyId": "k", "Plaintext": "not base64!"}"#),
    ])
    func wrongJSONTypesAreSerializationExceptions(_ operation: String, _ body: String) throws {
        let value = try json(body)
        #expect(throws: KMSError.self) { try model.validate(value, operation: operation) }
        do {
            try model.validate(value, operation: operation)
        } catch {
            #expect(error.code == .serialization, "\(error)")
        }
    }

    @Test func blobLengthsApplyToDecodedBytes() throws {
        // Plaintext is 1..4096 bytes; 4096 bytes take 5464 base64 characters.
        let fits = Data(count: 4096).base64EncodedString()
        let tooLong = Data(count: 4097).base64EncodedString()
        #expect(try validationMessage("Encrypt", #"{"KeyId": "k", "Plaintext": "\#(fits)"}"#) == nil)
        let message = try validationMessage("Encrypt", #"{"KeyId": "k", "Plaintext": "\#(tooLong)"}"#)
        #expect(message == "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
        #expect(message?.contains(tooLong.prefix(16)) == false, "blob values are never echoed")
    }
}

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test(arguments: [
        ("{}", JSONValue.object([])),
        ("[]", .array([])),
        (" \t\r\n{ } ", .object([])),
        ("null", .null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("0", .number(0, integral: true)),
        ("-12", .number(-12, integral: true)),
        ("1.5e2", .number(150, integral: true)),
        ("0.25", .number(0.25, integral: false)),
        (#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#, .string("a\"b\\c/d\né😀")),
        (#"{"a": [1, {"b": null}], "c": "d"}"#, .object([("a", .array([.number(1, integral: true), .object([("b", .null)])])), ("c", .string("d"))])),
        ("\"\u{e9}\"", .string("é")),
    ])
    func parsesValidDocuments(_ text: String, _ expected: JSONValue) throws {
        #expect(try parse(text) == expected)
    }

    @Test func keepsMemberOrderAndDuplicates() throws {
        guard case .object(let members) = try parse(#"{"b": 1, "a": 2, "b": 3}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.0) == ["b", "a", "b"])
    }

    @Test(arguments: [
        "", " ", "{", "}", "[", "[1,]", "[,1]", "{,}", #"{"a":1,}"#, #"{"a" 1}"#, #"{a: 1}"#, "{'a': 1}",
        #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\u12""#, #""\x""#, #""abc"#, "\"a\u{01}b\"",
        "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "tru", "nul", "falsey",
        "{} x", "{}{}", "[1] 2", "null null", "1 2",
    ])
    func rejectsMalformedDocuments(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xff, 0xfe, 0x22]) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xc3, 0x22]) }
    }

    @Test(arguments: [1000, 100_000])
    func deepNestingFailsWithoutCrashing(_ depth: Int) {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: JSONParser.Failure.self) { try parse(arrays) }
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(throws: JSONParser.Failure.self) { try parse(objects) }
        let unclosed = String(repeating: "[", count: depth)
        #expect(throws: JSONParser.Failure.self) { try parse(unclosed) }
    }

    @Test func moderateNestingIsAccepted() throws {
        let depth = 32
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try parse(text) != .null)
    }

    @Test func randomBytesNeverCrashTheParser() {
        let random = SeededRandom(seed: 5)
        let alphabet = Array(#"{}[]",:0123456789-+.eEtrufalsn\ u"#.utf8) + [0x00, 0xff, 0xc3]
        for length in 0..<400 {
            let bytes = random.bytes(length % 40).map { alphabet[Int($0) % alphabet.count] }
            _ = try? JSONParser.parse(bytes)
        }
    }
}

@Suite struct ErrorMappingTests {
    @Test(arguments: KMSError.Code.allCases)
    func everyCodeMapsToItsHTTPStatus(_ code: KMSError.Code) {
        let expected: Int
        switch code {
        case .kmsInternal, .keyUnavailable: expected = 500
        case .dependencyTimeout: expected = 503
        default: expected = 400
        }
        let error = KMSError(code, "m")
        #expect(error.httpStatus == expected)
        #expect(error.isServerFault == (expected >= 500))
        #expect(error.wireType == code.rawValue)
        #expect(code.rawValue.hasSuffix("Exception"))
    }

    @Test(arguments: [KMSError.Code.notFound, .kmsInternal, .dependencyTimeout])
    func errorResponseCarriesStatusTypeAndEscapedMessage(_ code: KMSError.Code) throws {
        let message = "quote \" backslash \\ newline \n tab \t control \u{01} é"
        let response = KMSProtocolHandler.errorResponse(KMSError(code, message), requestID: "rid")
        let headers = KMSHTTPRequest(method: "", path: "", headers: response.headers, body: [], sourceIP: nil)
        #expect(response.status == KMSError(code, message).httpStatus)
        #expect(headers.header("content-type") == "application/x-amz-json-1.1")
        #expect(headers.header("x-amzn-requestid") == "rid")
        #expect(headers.header("x-amzn-errortype") == code.rawValue)
        let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String]
        #expect(body == ["__type": code.rawValue, "message": message])
        let literal = KMSProtocolHandler.jsonString(message)
        let decoded = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: [.fragmentsAllowed]) as? String
        #expect(decoded == message)
    }

    @Test(arguments: [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-3", "aws")])
    func regionsMapToPartitions(_ region: String, _ partition: String) {
        #expect(Caller.partition(forRegion: region) == partition)
    }
}

@Suite struct ContentTypeTests {
    @Test(arguments: [
        "application/x-amz-json-1.1", "application/x-amz-json-1.0", "Application/X-Amz-JSON-1.1", " application/x-amz-json-1.1 ",
        "application/x-amz-json-1.1; charset=utf-8", "application/x-amz-json-1.0;",
    ])
    func accepted(_ type: String) {
        #expect(KMSProtocolHandler.isAWSJSON(type))
    }

    @Test(arguments: [
        "", "application/json", "application/x-amz-json-1.2", "application/x-amz-json-1.1x", "application/x-amz-json-11",
        "text/plain; application/x-amz-json-1.1", "application/x-amz-json-1", "application/x-amz-json-1.1 x", "xapplication/x-amz-json-1.1",
        "application/x-amz-json-1.1\u{0}",
    ])
    func refused(_ type: String) {
        #expect(!KMSProtocolHandler.isAWSJSON(type))
    }
}

@Suite struct NumberRangeTests {
    let model = ServiceModel.bundled

    func error(_ body: String) throws -> KMSError? {
        do {
            try model.validate(try JSONParser.parse(Array(body.utf8)), operation: "ImportKeyMaterial")
            return nil
        } catch let error as KMSError {
            return error
        }
    }

    static let prefix = #"{"KeyId":"k","ImportToken":"AAAA","EncryptedKeyMaterial":"AAAA","ValidTo":"#

    @Test(arguments: ["1e400", "-1e400", "1e300", "3.2e16", "-3.2e16"])
    func timestampsBeyondAWSRangeAreSerializationErrors(_ number: String) throws {
        let failure = try #require(try error(Self.prefix + number + "}"))
        #expect(failure.code == .serialization)
        #expect(failure.message == "Value at 'validTo' is not a valid timestamp: epoch seconds out of range.")
    }

    @Test(arguments: ["1733345678", "1733345678.5", "0", "-1", "31556889864403196"])
    func timestampsInRangeValidate(_ number: String) throws {
        #expect(try error(Self.prefix + number + "}") == nil)
    }

    @Test func wholeEpochSecondsNeverTraps() {
        #expect(Date(timeIntervalSince1970: .infinity).wholeEpochSeconds == nil)
        #expect(Date(timeIntervalSince1970: -.infinity).wholeEpochSeconds == nil)
        #expect(Date(timeIntervalSince1970: 1e300).wholeEpochSeconds == nil)
        #expect(Date(timeIntervalSince1970: 1_733_345_678.9).wholeEpochSeconds == 1_733_345_678)
        #expect(Date(timeIntervalSince1970: -0.5).wholeEpochSeconds == -1)
    }
}
