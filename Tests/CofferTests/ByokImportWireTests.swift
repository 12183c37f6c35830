import ArgumentParser
import Foundation
import KMSTesting
import Testing

@testable import KMSCore
@testable import coffer

/// `coffer byok import` sends the server's own request types and reads its response types (KMSCore). What it sends
/// must be what it sent when it declared its own copies of the shapes (tests/blackbox/test_byok_cli.py drives the
/// same path against a release build): the same members with the same values, base64 blobs, epoch-second timestamps,
/// the same escaping. (The order of members is not compared: Foundation's JSONEncoder does not keep one without
/// `.sortedKeys`, neither for the old shapes nor for the new.)
@Suite struct ByokImportWireTests {
    // MARK: The shapes the CLI declared before it reused the server's types, encoded as it encoded them.

    struct LegacyDescribeKeyRequest: Encodable {
        var KeyId: String
    }

    struct LegacyGetParametersForImportRequest: Encodable {
        var KeyId: String
        var WrappingAlgorithm: String
        var WrappingKeySpec: String
    }

    struct LegacyImportKeyMaterialRequest: Encodable {
        var KeyId: String
        var ImportToken: Data
        var EncryptedKeyMaterial: Data
        var ExpirationModel: String?
        var ValidTo: Double?
        var ImportType: String?
        var KeyMaterialDescription: String?
        var KeyMaterialId: String?
    }

    struct LegacyImportKeyMaterialResponse: Codable {
        var KeyId: String?
        var KeyMaterialId: String?
    }

    static let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    static let materialID = "4d1d7a1fa0b7ec1b3f5d3f34a3b4c1c2d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5"
    /// Bytes whose base64 holds `/` and `+`, so that escaping of slashes is compared too.
    static let token = Data([0xFB, 0xFF, 0xBF, 0x01, 0x02, 0x03])
    static let wrapped: [UInt8] = [0xFF, 0xEF, 0xFE, 0x10, 0x20]

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try KMSClient.encoder.encode(value), as: UTF8.self)
    }

    static func legacyJSON(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// The members and values of a JSON object, in a canonical order, for comparing two encodings.
    static func canonical(_ text: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// True when the two texts hold the same members with the same values, and every member is written the same way
    /// (same escaping, same number format) in both.
    static func sameJSON(_ sent: String, _ legacy: String) throws -> Bool {
        guard try canonical(sent) == canonical(legacy) else { return false }
        guard let object = try JSONSerialization.jsonObject(with: Data(sent.utf8)) as? [String: Any] else { return false }
        for name in object.keys {
            let member = try #require(sent.firstRange(of: "\"\(name)\":")).upperBound
            let value = sent[member...].prefix { $0 != "," && $0 != "}" }
            guard legacy.contains("\"\(name)\":\(value)") else { return false }
        }
        return true
    }

    // MARK: Requests

    @Test func describeKeyRequestIsUnchanged() throws {
        #expect(try Self.json(KeyIDRequest(keyID: "alias/imported")) == Self.legacyJSON(LegacyDescribeKeyRequest(KeyId: "alias/imported")))
        #expect(try Self.json(KeyIDRequest(keyID: "alias/imported")) == #"{"KeyId":"alias\/imported"}"#)
    }

    @Test func getParametersForImportRequestIsUnchanged() throws {
        let command = try ByokImport.parse(["--key-id", "k", "--key-file", "f", "--wrapping-key-spec", "RSA_3072"])
        let sent = try Self.json(command.parametersRequest(target: Self.arn, algorithm: .rsaAESKeyWrapSHA256))
        #expect(
            try Self.sameJSON(sent, Self.legacyJSON(
                LegacyGetParametersForImportRequest(KeyId: Self.arn, WrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec: "RSA_3072")
            ))
        )
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sent.utf8)) as? [String: String])
        #expect(object == ["KeyId": Self.arn, "WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256", "WrappingKeySpec": "RSA_3072"])
    }

    @Test func importKeyMaterialRequestWithEveryOptionIsUnchanged() throws {
        let command = try ByokImport.parse([
            "--key-id", "k", "--key-file", "f", "--valid-to", "2026-01-31T12:00:00.750Z", "--import-type", "EXISTING_KEY_MATERIAL",
            "--key-material-description", "rotated in/2026", "--key-material-id", Self.materialID,
        ])
        let sent = try Self.json(command.importRequest(target: Self.arn, importToken: Self.token, wrapped: Self.wrapped))
        let legacy = LegacyImportKeyMaterialRequest(
            KeyId: Self.arn, ImportToken: Self.token, EncryptedKeyMaterial: Data(Self.wrapped), ExpirationModel: "KEY_MATERIAL_EXPIRES",
            ValidTo: 1_769_860_800, ImportType: "EXISTING_KEY_MATERIAL", KeyMaterialDescription: "rotated in/2026", KeyMaterialId: Self.materialID
        )
        #expect(try Self.sameJSON(sent, Self.legacyJSON(legacy)))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sent.utf8)) as? [String: Any])
        #expect(object["ValidTo"] as? Int == 1_769_860_800, "epoch seconds, rounded down")
        #expect(sent.contains(#""ValidTo":1769860800"#))
        #expect(object["ImportToken"] as? String == Self.token.base64EncodedString())
        #expect(object["EncryptedKeyMaterial"] as? String == Data(Self.wrapped).base64EncodedString())
        #expect(object["KeyMaterialId"] as? String == Self.materialID)
    }

    @Test(arguments: [
        ([String](), "KEY_MATERIAL_DOES_NOT_EXPIRE", nil as Double?),
        (["--valid-to", "1767225600.9"], "KEY_MATERIAL_EXPIRES", 1_767_225_600),
        (["--expiration-model", "KEY_MATERIAL_DOES_NOT_EXPIRE"], "KEY_MATERIAL_DOES_NOT_EXPIRE", nil),
    ])
    func importKeyMaterialRequestWithDefaultsIsUnchanged(_ options: [String], _ model: String, _ validTo: Double?) throws {
        let command = try ByokImport.parse(["--key-id", "k", "--key-file", "f"] + options)
        let sent = try Self.json(command.importRequest(target: Self.arn, importToken: Self.token, wrapped: Self.wrapped))
        let legacy = LegacyImportKeyMaterialRequest(
            KeyId: Self.arn, ImportToken: Self.token, EncryptedKeyMaterial: Data(Self.wrapped), ExpirationModel: model, ValidTo: validTo
        )
        #expect(try Self.sameJSON(sent, Self.legacyJSON(legacy)))
    }

    @Test func aMalformedKeyMaterialIDIsRefusedOnTheCommandLine() {
        #expect(throws: (any Error).self) {
            try ByokImport.parse(["--key-id", "k", "--key-file", "f", "--key-material-id", Self.materialID.uppercased()])
        }
    }

    // MARK: Recorded answers

    /// AWS's DescribeKey example (API reference), and Coffer's answer for an EXTERNAL RSA key before its import.
    @Test(arguments: [
        (
            #"{"KeyMetadata":{"AWSAccountId":"111122223333","Arn":"arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","CreationDate":1499988169.234,"CustomerMasterKeySpec":"SYMMETRIC_DEFAULT","Description":"","Enabled":true,"EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","KeyManager":"CUSTOMER","KeySpec":"SYMMETRIC_DEFAULT","KeyState":"Enabled","KeyUsage":"ENCRYPT_DECRYPT","MultiRegion":false,"Origin":"AWS_KMS"}}"#,
            "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", ByokKeyType.symmetric
        ),
        (
            #"{"KeyMetadata":{"AWSAccountId":"111122223333","KeyId":"0b6f6b3c-1d2e-4f50-8a9b-0c1d2e3f4a5b","Arn":"arn:aws:kms:us-east-1:111122223333:key/0b6f6b3c-1d2e-4f50-8a9b-0c1d2e3f4a5b","CreationDate":1750000000,"Enabled":false,"Description":"","KeyUsage":"SIGN_VERIFY","KeyState":"PendingImport","Origin":"EXTERNAL","KeyManager":"CUSTOMER","CustomerMasterKeySpec":"RSA_2048","KeySpec":"RSA_2048","SigningAlgorithms":["RSASSA_PKCS1_V1_5_SHA_256","RSASSA_PKCS1_V1_5_SHA_384","RSASSA_PKCS1_V1_5_SHA_512","RSASSA_PSS_SHA_256","RSASSA_PSS_SHA_384","RSASSA_PSS_SHA_512"],"MultiRegion":false}}"#,
            "arn:aws:kms:us-east-1:111122223333:key/0b6f6b3c-1d2e-4f50-8a9b-0c1d2e3f4a5b", .privateKey
        ),
    ])
    func describeKeyAnswersDecode(_ body: String, _ arn: String, _ keyType: ByokKeyType) throws {
        let metadata = try KMSClient.decoder.decode(DescribeKeyResponse.self, from: Data(body.utf8)).keyMetadata
        #expect(metadata.arn == arn)
        #expect(ByokImport.keyType(for: metadata.keySpec) == keyType)
    }

    @Test func getParametersForImportAnswerDecodes() throws {
        let body = #"{"ImportToken":"+/+/AQID","KeyId":"\#(Self.arn)","ParametersValidTo":1750086400.5,"PublicKey":"MIIBIjAN"}"#
        let parameters = try KMSClient.decoder.decode(GetParametersForImportResponse.self, from: Data(body.utf8))
        #expect(parameters.importToken == Data(base64Encoded: "+/+/AQID"))
        #expect(parameters.publicKey == Data(base64Encoded: "MIIBIjAN"))
        #expect(parameters.parametersValidTo == Date(timeIntervalSince1970: 1_750_086_400.5))
    }

    /// What `coffer byok import` prints is unchanged: the answer re-encoded, sorted and pretty-printed.
    @Test(arguments: [
        #"{"KeyId":"\#(ByokImportWireTests.arn)","KeyMaterialId":"\#(ByokImportWireTests.materialID)"}"#,
        #"{"KeyId":"\#(ByokImportWireTests.arn)"}"#,
    ])
    func importKeyMaterialAnswerPrintsAsBefore(_ body: String) throws {
        let printer = JSONEncoder()
        printer.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let answer = try KMSClient.decoder.decode(ImportKeyMaterialResponse.self, from: Data(body.utf8))
        let legacy = try JSONDecoder().decode(LegacyImportKeyMaterialResponse.self, from: Data(body.utf8))
        #expect(try printer.encode(answer) == printer.encode(legacy))
    }

    // MARK: Against the service

    /// DescribeKey, GetParametersForImport and ImportKeyMaterial through `KMSService`, every body crossing as JSON
    /// written the way each side writes it (the server: epoch seconds, unescaped slashes).
    @Test func theCLIImportsIntoTheService() async throws {
        let service = KMSService(
            store: InMemoryKeyStore(), sealer: Fixtures.sealer(), clock: FixedClock(Fixtures.epoch), random: SeededRandom(seed: 3)
        )
        let serverEncoder = JSONEncoder()
        serverEncoder.dateEncodingStrategy = .secondsSince1970
        serverEncoder.outputFormatting = [.withoutEscapingSlashes]
        let serverDecoder = JSONDecoder()
        serverDecoder.dateDecodingStrategy = .secondsSince1970
        func roundTrip<Sent: Encodable, Received: Decodable>(_ value: Sent, with encoder: JSONEncoder, _ decoder: JSONDecoder) throws -> Received {
            try decoder.decode(Received.self, from: try encoder.encode(value))
        }

        let created = try await service.createKey(try request(#"{"Origin":"EXTERNAL"}"#), caller: Fixtures.caller).keyMetadata
        let command = try ByokImport.parse(["--key-id", created.keyID, "--key-file", "f", "--wrapping-key-spec", "RSA_2048"])

        let describeRequest: KeyIDRequest = try roundTrip(KeyIDRequest(keyID: command.keyID), with: KMSClient.encoder, serverDecoder)
        let described: DescribeKeyResponse = try roundTrip(
            try await service.describeKey(describeRequest, caller: Fixtures.caller), with: serverEncoder, KMSClient.decoder
        )
        #expect(ByokImport.keyType(for: described.keyMetadata.keySpec) == .symmetric)

        let parametersRequest: GetParametersForImportRequest = try roundTrip(
            command.parametersRequest(target: described.keyMetadata.arn, algorithm: .rsaesOAEPSHA256), with: KMSClient.encoder, serverDecoder
        )
        let parameters: GetParametersForImportResponse = try roundTrip(
            try await service.getParametersForImport(parametersRequest, caller: Fixtures.caller), with: serverEncoder, KMSClient.decoder
        )
        let material = [UInt8](repeating: 0x2A, count: 32)
        let wrapped = try ImportWrapping.wrap(material: material, publicKeyDER: Array(parameters.publicKey), algorithm: .rsaesOAEPSHA256)

        let importRequest: ImportKeyMaterialRequest = try roundTrip(
            command.importRequest(target: described.keyMetadata.arn, importToken: parameters.importToken, wrapped: wrapped),
            with: KMSClient.encoder, serverDecoder
        )
        let imported: ImportKeyMaterialResponse = try roundTrip(
            try await service.importKeyMaterial(importRequest, caller: Fixtures.caller), with: serverEncoder, KMSClient.decoder
        )
        #expect(imported.keyID == created.arn)
        #expect(imported.keyMaterialID == KeyMaterial(unsafeBytes: material).materialID(for: KeyID(created.keyID)!))
    }
}
