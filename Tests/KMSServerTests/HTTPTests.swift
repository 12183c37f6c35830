import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KMSCore
import NIOCore
import SigV4
import Testing

@testable import KMSServer

@Suite struct HTTPHappyPathTests {
    static let symmetricMetadataMembers: Set<String> = [
        "AWSAccountId", "KeyId", "Arn", "CreationDate", "Enabled", "Description", "KeyUsage", "KeyState", "Origin", "KeyManager",
        "CustomerMasterKeySpec", "KeySpec", "EncryptionAlgorithms", "MultiRegion", "CurrentKeyMaterialId",
    ]

    @Test func createKeyThenDescribeKeyAnswerWithAWSJSON() async throws {
        let harness = CofferHarness()
        try await harness.test { client in
            let created = try await call(client, "CreateKey", #"{"Description": "http key", "Tags": [{"TagKey": "a", "TagValue": "b"}]}"#)
            #expect(created.status == .ok, "\(created.bodyText)")
            #expect(created.headers[.contentType] == "application/x-amz-json-1.1")
            let requestID = try #require(created.headers[HTTPField.Name("x-amzn-RequestId")!])
            #expect(UUID(uuidString: requestID) != nil)
            #expect(created.headers[HTTPField.Name("x-amzn-ErrorType")!] == nil)
            let root = created.jsonObject()
            #expect(Set(root.keys) == ["KeyMetadata"])
            let metadata = try #require(root["KeyMetadata"] as? [String: Any])
            #expect(Set(metadata.keys) == Self.symmetricMetadataMembers)
            #expect(metadata["AWSAccountId"] as? String == ServerFixtures.developmentAccount)
            let keyID = try #require(metadata["KeyId"] as? String)
            #expect(metadata["Arn"] as? String == "arn:aws:kms:us-east-1:000000000000:key/\(keyID)")
            #expect(metadata["CreationDate"] as? Double == harness.clock.now().timeIntervalSince1970)
            #expect(metadata["Enabled"] as? Bool == true)
            #expect(metadata["KeyState"] as? String == "Enabled")
            #expect(metadata["KeyManager"] as? String == "CUSTOMER")
            #expect(metadata["Origin"] as? String == "AWS_KMS")
            #expect(metadata["EncryptionAlgorithms"] as? [String] == ["SYMMETRIC_DEFAULT"])
            #expect((metadata["CurrentKeyMaterialId"] as? String)?.utf8.count == 64)
            #expect(!created.bodyText.contains("null"), "absent members are omitted, not null")
            #expect(!created.bodyText.contains("\\/"), "slashes are not escaped")

            let described = try await call(client, "DescribeKey", #"{"KeyId": "\#(metadata["Arn"] as! String)"}"#)
            #expect(described.status == .ok)
            let describedMetadata = try #require(described.jsonObject()["KeyMetadata"] as? [String: Any])
            #expect(canonicalJSON(describedMetadata) == canonicalJSON(metadata))
            #expect(described.headers[HTTPField.Name("x-amzn-RequestId")!] != requestID, "every response has its own request ID")
        }
    }

    @Test func operationsWithoutOutputReturnAnEmptyObject() async throws {
        try await CofferHarness().test { client in
            let created = try await call(client, "CreateKey")
            let keyID = try #require((created.jsonObject()["KeyMetadata"] as? [String: Any])?["KeyId"] as? String)
            for (operation, body) in [
                ("DisableKey", #"{"KeyId": "\#(keyID)"}"#), ("EnableKey", #"{"KeyId": "\#(keyID)"}"#),
                ("CreateAlias", #"{"AliasName": "alias/http", "TargetKeyId": "\#(keyID)"}"#),
                ("TagResource", #"{"KeyId": "\#(keyID)", "Tags": [{"TagKey": "k", "TagValue": "v"}]}"#),
            ] {
                let response = try await call(client, operation, body)
                #expect(response.status == .ok, "\(operation): \(response.bodyText)")
                #expect(response.bodyText == "{}", "\(operation)")
                #expect(response.headers[.contentType] == "application/x-amz-json-1.1")
            }
        }
    }

    @Test func listAndRandomOperationsUseAWSMemberNames() async throws {
        try await CofferHarness().test { client in
            _ = try await call(client, "CreateKey")
            let keys = try await call(client, "ListKeys", #"{"Limit": 10}"#).jsonObject()
            #expect(Set(keys.keys) == ["Keys", "Truncated"])
            let first = try #require((keys["Keys"] as? [[String: Any]])?.first)
            #expect(Set(first.keys) == ["KeyId", "KeyArn"])

            let random = try await call(client, "GenerateRandom", #"{"NumberOfBytes": 48}"#)
            let plaintext = try #require(random.jsonObject()["Plaintext"] as? String)
            #expect(Data(base64Encoded: plaintext)?.count == 48)

            let policy = try await call(client, "GetKeyPolicy", #"{"KeyId": "\#(first["KeyId"] as! String)"}"#).jsonObject()
            #expect(Set(policy.keys) == ["Policy", "PolicyName"])
            #expect((policy["Policy"] as? String)?.contains("arn:aws:iam::000000000000:root") == true)
        }
    }

    @Test func callersFromAnotherAccountSeeTheirOwnScope() async throws {
        try await CofferHarness().test { client in
            let created = try await call(client, "CreateKey")
            let arn = try #require((created.jsonObject()["KeyMetadata"] as? [String: Any])?["Arn"] as? String)
            let other = SigV4Credentials(accessKeyID: ServerFixtures.otherIdentity.accessKeyID, secretAccessKey: ServerFixtures.otherIdentity.secretAccessKey)
            // Another account may name the key by ARN (DescribeKey is cross-account), but the default key policy
            // allows only the owning account.
            expectError(try await call(client, "DescribeKey", #"{"KeyId": "\#(arn)"}"#, credentials: other), "AccessDeniedException")
            let keyID = String(arn.split(separator: "/").last!)
            expectError(try await call(client, "DescribeKey", #"{"KeyId": "\#(keyID)"}"#, credentials: other), "NotFoundException")
            let listed = try await call(client, "ListKeys", credentials: other).jsonObject()
            #expect((listed["Keys"] as? [Any])?.isEmpty == true)
            // Same credentials, another Region from the credential scope.
            expectError(try await call(client, "DescribeKey", #"{"KeyId": "\#(arn)"}"#, region: "eu-west-1"), "NotFoundException")
        }
    }
}

@Suite struct HTTPErrorTests {
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var operation: String
        var body: String
        var type: String
        var message: String?
        var testDescription: String { "\(operation) \(body) → \(type)" }
    }

    static let cases: [ErrorCase] = [
        ErrorCase(
            operation: "DescribeKey", body: #"{"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}"#, type: "NotFoundException",
            message: "Key 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist"
        ),
        ErrorCase(operation: "DescribeKey", body: #"{"KeyId": "not-a-key"}"#, type: "NotFoundException", message: "Invalid keyId 'not-a-key'"),
        ErrorCase(
            operation: "DescribeKey", body: "{}", type: "ValidationException",
            message: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        ),
        ErrorCase(
            operation: "DescribeKey", body: "", type: "ValidationException",
            message: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        ),
        ErrorCase(
            operation: "CreateKey", body: #"{"KeyUsage": "ENCRYPT"}"#, type: "ValidationException",
            message:
                "1 validation error detected: Value 'ENCRYPT' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT]"
        ),
        ErrorCase(
            operation: "CreateAlias", body: #"{}"#, type: "ValidationException",
            message:
                "2 validation errors detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null; Value null at 'targetKeyId' failed to satisfy constraint: Member must not be null"
        ),
        ErrorCase(
            operation: "GenerateRandom", body: #"{"NumberOfBytes": 1025}"#, type: "ValidationException",
            message: "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
        ),
        ErrorCase(
            operation: "GenerateRandom", body: #"{"NumberOfBytes": 0}"#, type: "ValidationException",
            message: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ),
        ErrorCase(
            operation: "ScheduleKeyDeletion", body: #"{"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "PendingWindowInDays": 0}"#,
            type: "ValidationException"
        ),
        ErrorCase(operation: "DescribeKey", body: "not json", type: "SerializationException"),
        ErrorCase(operation: "DescribeKey", body: #"{"KeyId": 5}"#, type: "SerializationException"),
        ErrorCase(operation: "DescribeKey", body: #"["KeyId"]"#, type: "SerializationException"),
        ErrorCase(operation: "DescribeKey", body: #"{"KeyId": "a""#, type: "SerializationException"),
        ErrorCase(operation: "CreateKey", body: #"{"MultiRegion": "yes"}"#, type: "SerializationException"),
        ErrorCase(operation: "CreateKey", body: #"{"Tags": {"TagKey": "a"}}"#, type: "SerializationException"),
        ErrorCase(operation: "GenerateRandom", body: #"{"NumberOfBytes": 1.5}"#, type: "SerializationException"),
        ErrorCase(operation: "CreateKey", body: #"{"Origin": "EXTERNAL", "KeySpec": "ML_DSA_65", "KeyUsage": "SIGN_VERIFY"}"#, type: "UnsupportedOperationException"),
        ErrorCase(operation: "CreateKey", body: #"{"Tags": [{"TagKey": "aws:x", "TagValue": "v"}]}"#, type: "TagException"),
        ErrorCase(operation: "CreateKey", body: #"{"CustomKeyStoreId": "cks-1234567890abcdef0"}"#, type: "CustomKeyStoreNotFoundException"),
        ErrorCase(operation: "CreateAlias", body: #"{"AliasName": "alias/aws/x", "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}"#, type: "NotAuthorizedException"),
        ErrorCase(operation: "ListKeys", body: #"{"Marker": "garbage"}"#, type: "InvalidMarkerException"),
        ErrorCase(
            operation: "Nope", body: "{}", type: "UnknownOperationException", message: "Operation 'Nope' is not an AWS KMS operation."
        ),
        ErrorCase(operation: "describeKey", body: "{}", type: "UnknownOperationException"),
    ]

    @Test(arguments: cases)
    func errorsAreFourHundredWithTypeAndMessage(_ errorCase: ErrorCase) async throws {
        try await CofferHarness().test { client in
            let response = try await call(client, errorCase.operation, errorCase.body)
            expectError(response, errorCase.type, message: errorCase.message)
        }
    }

    @Test func stateErrorsUseTheKeyARN() async throws {
        try await CofferHarness().test { client in
            let created = try await call(client, "CreateKey", #"{"Origin": "EXTERNAL"}"#)
            let arn = try #require((created.jsonObject()["KeyMetadata"] as? [String: Any])?["Arn"] as? String)
            expectError(
                try await call(client, "EnableKey", #"{"KeyId": "\#(arn)"}"#), "KMSInvalidStateException",
                message:
                    "\(arn) is pending import."
            )
            expectError(try await call(client, "CancelKeyDeletion", #"{"KeyId": "\#(arn)"}"#), "KMSInvalidStateException", message: "\(arn) is not pending deletion.")
        }
    }

    @Test func keyStatesGateOperationsOnTheWire() async throws {
        try await CofferHarness().test { client in
            let symmetric = try await call(client, "CreateKey")
            let arn = try #require((symmetric.jsonObject()["KeyMetadata"] as? [String: Any])?["Arn"] as? String)
            let signing = try await call(client, "CreateKey", #"{"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}"#)
            let signingARN = try #require((signing.jsonObject()["KeyMetadata"] as? [String: Any])?["Arn"] as? String)
            for key in [arn, signingARN] {
                #expect(try await call(client, "DisableKey", #"{"KeyId": "\#(key)"}"#).status == .ok)
            }
            // Spec §8: cryptographic operations need Enabled (D1) ...
            expectError(
                try await call(client, "Encrypt", #"{"KeyId": "\#(arn)", "Plaintext": "AAAA"}"#), "DisabledException", message: "\(arn) is disabled."
            )
            // ... but GetPublicKey and DescribeKey work on a Disabled key.
            let publicKey = try await call(client, "GetPublicKey", #"{"KeyId": "\#(signingARN)"}"#)
            #expect(publicKey.status == .ok, "\(publicKey.bodyText)")
            #expect(try await call(client, "DescribeKey", #"{"KeyId": "\#(arn)"}"#).status == .ok)

            #expect(try await call(client, "ScheduleKeyDeletion", #"{"KeyId": "\#(arn)", "PendingWindowInDays": 7}"#).status == .ok)
            expectError(
                try await call(client, "Encrypt", #"{"KeyId": "\#(arn)", "Plaintext": "AAAA"}"#), "KMSInvalidStateException",
                message: "\(arn) is pending deletion."
            )
        }
    }

    @Test func targetHeaderWithoutTheTrentServicePrefixIsUnknown() async throws {
        try await CofferHarness().test { client in
            let body = Array("{}".utf8)
            for target in ["DescribeKey", "KMS.DescribeKey", "TrentService."] {
                let headers = signedHeaders(target: target, body: body)
                let response = try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                expectError(response, "UnknownOperationException")
            }
            let headers = signedHeaders(target: nil, body: body)
            expectError(try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(bytes: body)), "UnknownOperationException")
        }
    }
}

@Suite struct UnimplementedOperationTests {
    static let implemented = Set(OperationRouter.standard.handlers.keys)
    static let unimplemented = OperationName.allCases.filter { !implemented.contains($0) }

    @Test func theCoreOperationsAreRouted() {
        let core: Set<OperationName> = [
            .createKey, .describeKey, .listKeys, .enableKey, .disableKey, .scheduleKeyDeletion, .cancelKeyDeletion, .updateKeyDescription,
            .createAlias, .updateAlias, .deleteAlias, .listAliases, .tagResource, .untagResource, .listResourceTags, .getKeyPolicy,
            .putKeyPolicy, .listKeyPolicies, .generateRandom,
        ]
        #expect(core.isSubset(of: Self.implemented))
        #expect(!Self.unimplemented.isEmpty)
    }

    @Test(arguments: unimplemented)
    func unimplementedOperationIsUnsupported(_ operation: OperationName) async throws {
        let model = ServiceModel.bundled
        let body = try #require(model.minimalRequest(for: operation.rawValue))
        // The generated body passes the model, so the answer is about the operation, not the input.
        #expect(throws: Never.self) { try model.validate(body, operation: operation.rawValue) }
        try await CofferHarness().test { client in
            let response = try await call(client, operation.rawValue, jsonText(body))
            expectError(response, "UnsupportedOperationException")
            let message = response.jsonObject()["message"] as? String
            #expect(message?.contains(operation.rawValue) == true, "\(message ?? "nil")")
        }
    }
}

@Suite struct HTTPAuthenticationTests {
    @Test func missingAuthorizationIsMissingAuthenticationToken() async throws {
        try await CofferHarness().test { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/x-amz-json-1.1"
            headers[HTTPField.Name("X-Amz-Target")!] = "TrentService.ListKeys"
            let response = try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            expectError(response, "MissingAuthenticationTokenException", message: "Missing Authentication Token")
        }
    }

    @Test func wrongSecretIsInvalidSignature() async throws {
        try await CofferHarness().test { client in
            let wrong = SigV4Credentials(accessKeyID: "test", secretAccessKey: "not-the-secret")
            let response = try await call(client, "ListKeys", credentials: wrong)
            expectError(response, "InvalidSignatureException")
            #expect(!response.bodyText.contains("not-the-secret"))
        }
    }

    @Test func unknownAccessKeyIsUnrecognizedClient() async throws {
        try await CofferHarness().test { client in
            let unknown = SigV4Credentials(accessKeyID: "AKIDUNKNOWN", secretAccessKey: "test")
            expectError(
                try await call(client, "ListKeys", credentials: unknown), "UnrecognizedClientException",
                message: "The security token included in the request is invalid."
            )
        }
    }

    @Test func tamperedBodyIsInvalidSignature() async throws {
        try await CofferHarness().test { client in
            let headers = signedHeaders(target: "TrentService.GenerateRandom", body: Array(#"{"NumberOfBytes": 8}"#.utf8))
            let response = try await client.execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: #"{"NumberOfBytes": 9}"#))
            expectError(response, "InvalidSignatureException")
        }
    }

    @Test func requestSignedTwentyMinutesAgoHasAnExpiredSignature() async throws {
        try await CofferHarness().test { client in
            let response = try await call(client, "ListKeys", date: ServerFixtures.signingDate.addingTimeInterval(-20 * 60))
            expectError(response, "InvalidSignatureException")
            let message = response.jsonObject()["message"] as? String
            #expect(message?.hasPrefix("Signature expired") == true, "\(message ?? "nil")")
        }
    }

    @Test func requestsWithinTheSkewAreAccepted() async throws {
        let harness = CofferHarness()
        try await harness.test { client in
            for offset in [-14 * 60.0, 14 * 60.0] {
                let response = try await call(client, "ListKeys", date: harness.clock.now().addingTimeInterval(offset))
                #expect(response.status == .ok, "offset \(offset): \(response.bodyText)")
            }
            let future = try await call(client, "ListKeys", date: harness.clock.now().addingTimeInterval(16 * 60))
            expectError(future, "InvalidSignatureException")
        }
    }

    @Test(arguments: [HTTPRequest.Method.get, .put, .delete])
    func nonPostRequestsGetJSONErrorsNeverHTML(_ method: HTTPRequest.Method) async throws {
        try await CofferHarness().test { client in
            let unsigned = try await client.execute(uri: "/", method: method)
            expectError(unsigned, "MissingAuthenticationTokenException")
            #expect(!unsigned.bodyText.lowercased().contains("<html"))

            let headers = signedHeaders(target: "TrentService.ListKeys", body: [], method: method.rawValue)
            let signed = try await client.execute(uri: "/", method: method, headers: headers)
            expectError(signed, "UnknownOperationException")
        }
    }

    @Test func anyPathIsAnsweredWithJSON() async throws {
        try await CofferHarness().test { client in
            let response = try await client.execute(uri: "/favicon.ico", method: .get)
            #expect(response.status.code == 400)
            #expect(response.headers[.contentType] == "application/x-amz-json-1.1")
            _ = response.jsonObject()
        }
    }
}

@Suite struct HTTPLiveTests {
    @Test func liveServerAnswersSignedRequests() async throws {
        try await CofferHarness().test(.live) { client in
            let created = try await call(client, "CreateKey", #"{"Description": "live"}"#)
            #expect(created.status == .ok, "\(created.bodyText)")
            let keyID = try #require((created.jsonObject()["KeyMetadata"] as? [String: Any])?["KeyId"] as? String)
            // Keep-alive: several requests over the one connection.
            for _ in 0..<3 {
                let described = try await call(client, "DescribeKey", #"{"KeyId": "\#(keyID)"}"#)
                #expect(described.status == .ok)
                #expect(described.headers[.contentType] == "application/x-amz-json-1.1")
            }
            expectError(try await call(client, "DescribeKey", "{}"), "ValidationException")
        }
    }

    @Test func liveServerChecksSignaturesOverLargeBodies() async throws {
        try await CofferHarness().test(.live) { client in
            let description = String(repeating: "d", count: 8192)
            let ok = try await call(client, "CreateKey", #"{"Description": "\#(description)"}"#)
            #expect(ok.status == .ok, "\(ok.bodyText.prefix(200))")
            let tooLong = try await call(client, "CreateKey", #"{"Description": "\#(description)d"}"#)
            expectError(tooLong, "ValidationException")
            let unsigned = try await client.execute(uri: "/", method: .get)
            expectError(unsigned, "MissingAuthenticationTokenException")
        }
    }

    @Test func authorizationDecidesOnTheWire() async throws {
        try await CofferHarness().test { client in
            let created = try await call(client, "CreateKey")
            let arn = try #require((created.jsonObject()["KeyMetadata"] as? [String: Any])?["Arn"] as? String)
            let alice = ServerFixtures.aliceCredentials
            // Delegation (default policy) + an identity allow: Encrypt works; Decrypt is not in alice's policy.
            let encrypted = try await call(client, "Encrypt", #"{"KeyId": "\#(arn)", "Plaintext": "aGk="}"#, credentials: alice)
            #expect(encrypted.status == .ok)
            let blob = try #require(encrypted.jsonObject()["CiphertextBlob"] as? String)
            expectError(
                try await call(client, "Decrypt", #"{"CiphertextBlob": "\#(blob)"}"#, credentials: alice), "AccessDeniedException",
                message: "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access."
            )
            expectError(
                try await call(client, "DescribeKey", #"{"KeyId": "\#(arn)"}"#, credentials: alice), "AccessDeniedException",
                message: "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: kms:DescribeKey on resource: \(arn) because no identity-based policy allows the kms:DescribeKey action"
            )
            expectError(
                try await call(client, "ListKeys", credentials: alice), "AccessDeniedException",
                message: "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: kms:ListKeys on resource: * because no identity-based policy allows the kms:ListKeys action"
            )
            // A grant from the key's account lets alice decrypt.
            let grant = try await call(
                client, "CreateGrant", #"{"KeyId": "\#(arn)", "GranteePrincipal": "arn:aws:iam::000000000000:user/alice", "Operations": ["Decrypt"]}"#
            ).jsonObject()
            let token = try #require(grant["GrantToken"] as? String)
            let decrypted = try await call(client, "Decrypt", #"{"CiphertextBlob": "\#(blob)", "GrantTokens": ["\#(token)"]}"#, credentials: alice)
            #expect(decrypted.jsonObject()["Plaintext"] as? String == "aGk=")
            expectError(
                try await call(client, "Decrypt", #"{"CiphertextBlob": "\#(blob)", "GrantTokens": ["AAAA"]}"#, credentials: alice),
                "InvalidGrantTokenException"
            )
        }
    }
}

