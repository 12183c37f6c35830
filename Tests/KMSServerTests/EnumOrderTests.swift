import Foundation
import KMSCore
import Testing

@testable import KMSServer

/// AWS lists enum values in validation messages in a hash order, not the model's (docs/deviations.md). Each
/// expectation below is a list recorded against AWS (LocalStack's tests/aws/services/kms/test_kms.snapshot.json, and
/// nsmithuk/local-kms for Origin and MessageType).
@Suite struct EnumOrderTests {
    let model = ServiceModel.bundled

    func listing(_ shape: String) -> String? { model.shapes[shape]?.enumListing }

    @Test func javaStringHashCode() {
        #expect(ServiceModel.javaHashCode("") == 0)
        #expect(ServiceModel.javaHashCode("a") == 97)
        #expect(ServiceModel.javaHashCode("hello") == 99_162_322)
        #expect(ServiceModel.javaHashCode("HMAC_SHA_384") == UInt32(bitPattern: Int32(truncatingIfNeeded: Self.reference("HMAC_SHA_384"))))
    }

    /// Java's hashCode computed in 64-bit arithmetic and truncated, as a second opinion.
    static func reference(_ text: String) -> Int64 {
        var h: Int64 = 0
        for unit in text.utf16 { h = (h &* 31 &+ Int64(unit)) & 0xFFFF_FFFF }
        return h
    }

    @Test func macAlgorithmAsRecorded() {
        // test_invalid_generate_mac[HMAC_256-INVALID] / generate-mac
        #expect(listing("MacAlgorithmSpec") == "HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512")
    }

    @Test func keySpecAsRecordedWithoutSM2() {
        // test_hmac_create_key_invalid_operations / create-hmac-key-invalid-spec (recorded before ML-DSA and
        // Ed25519 existed): those 12 values keep their relative order.
        let recorded = [
            "RSA_2048", "ECC_NIST_P384", "ECC_NIST_P256", "ECC_NIST_P521", "HMAC_384", "RSA_3072", "ECC_SECG_P256K1", "RSA_4096",
            "SYMMETRIC_DEFAULT", "HMAC_256", "HMAC_224", "HMAC_512",
        ]
        let listed = (listing("KeySpec") ?? "").components(separatedBy: ", ")
        #expect(listed.filter(recorded.contains) == recorded)
        #expect(!listed.contains("SM2"))
    }

    @Test func originAndMessageTypeAsLocalKMSRecorded() {
        let origin = (listing("OriginType") ?? "").components(separatedBy: ", ")
        #expect(origin.filter(["EXTERNAL", "AWS_CLOUDHSM", "AWS_KMS"].contains) == ["EXTERNAL", "AWS_CLOUDHSM", "AWS_KMS"])
        #expect(listing("MessageType")?.hasPrefix("DIGEST, RAW") == true)
    }

    @Test func keyUsageInKMSsOwnOrder() {
        #expect(listing("KeyUsageType") == "ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT")
    }

    @Test func validationStillAcceptsEveryModelValue() throws {
        try model.validate(try JSONParser.parse(Array(#"{"KeySpec":"SM2","KeyUsage":"ENCRYPT_DECRYPT"}"#.utf8)), operation: "CreateKey")
    }
}

/// Blobs must be padded base64 in whole groups (found by the fuzz harness: Foundation alone accepts `QUJD=`).
@Suite struct BlobBase64Tests {
    @Test(arguments: ["QUJD", "QUJDRA==", "QUJDRA1=", ""])
    func paddedBase64IsAccepted(_ text: String) throws {
        try ServiceModel.bundled.validate(try JSONParser.parse(Array(#"{"KeyId":"k","Plaintext":"\#(text.isEmpty ? "QQ==" : text)"}"#.utf8)), operation: "Encrypt")
    }

    @Test(arguments: ["QUJD=", "QUJD==", "QUJDRA====", "QUJDRA", "QU=D", "Q"])
    func otherFormsAreSerializationErrors(_ text: String) throws {
        #expect(throws: KMSError(.serialization, "")) {
            try ServiceModel.bundled.validate(try JSONParser.parse(Array(#"{"KeyId":"k","Plaintext":"\#(text)"}"#.utf8)), operation: "Encrypt")
        }
    }
}

/// Requests are decoded from the validator's parsed value, with the conventions JSONDecoder had.
@Suite struct JSONValueDecoderTests {
    struct Sample: Decodable, Equatable {
        var name: String
        var count: Int?
        var when: Date?
        var blob: Data?
        var tags: [String: String]?
        var list: [Int]?
        var flag: Bool?
    }

    func decode(_ json: String) throws -> Sample {
        try JSONValueDecoder().decode(Sample.self, from: try JSONParser.parse(Array(json.utf8)))
    }

    @Test func membersOfEveryKind() throws {
        let sample = try decode(#"{"name":"n","count":3,"when":1767225600.5,"blob":"QUJD","tags":{"a":"b"},"list":[1,2],"flag":true,"extra":1}"#)
        #expect(sample == Sample(
            name: "n", count: 3, when: Date(timeIntervalSince1970: 1_767_225_600.5), blob: Data("ABC".utf8), tags: ["a": "b"], list: [1, 2], flag: true
        ))
    }

    @Test func nullAndAbsentAreNil() throws {
        #expect(try decode(#"{"name":"n","count":null}"#) == Sample(name: "n"))
    }

    @Test(arguments: [#"{"name":1}"#, #"{"name":"n","count":1.5}"#, #"{"name":"n","count":"1"}"#, #"{"name":"n","when":"x"}"#, #"{}"#])
    func wrongTypesThrow(_ json: String) {
        #expect(throws: (any Error).self) { try decode(json) }
    }
}

@Suite struct RequestIDTests {
    @Test func requestIDsAreVersion4UUIDsInLowerCase() throws {
        var seen = Set<String>()
        for _ in 0..<200 {
            let id = RequestID.make()
            let uuid = try #require(UUID(uuidString: id))
            #expect(id == uuid.uuidString.lowercased())
            #expect(Array(id)[14] == "4")
            #expect("89ab".contains(Array(id)[19]))
            seen.insert(id)
        }
        #expect(seen.count == 200)
    }
}
