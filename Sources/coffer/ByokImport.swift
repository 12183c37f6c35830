import ArgumentParser
import Foundation
import KMSCore

/// `coffer byok import`: DescribeKey, GetParametersForImport, local wrapping, ImportKeyMaterial.
struct ByokImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import key material into a KMS key in one step (Coffer or AWS KMS).",
        discussion: """
            Calls DescribeKey (to learn the key spec), GetParametersForImport, wraps the material locally and calls \
            ImportKeyMaterial; prints the result (KeyId, KeyMaterialId) as JSON. Credentials, region and endpoint \
            come from the standard AWS environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, \
            AWS_REGION or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL (default \
            https://kms.<region>.amazonaws.com).
            """
    )

    @Option(name: .customLong("key-id"), help: ArgumentHelp("The KMS key (key ID or key ARN).", valueName: "key"))
    var keyID: String

    @Option(name: .customLong("key-file"), help: ArgumentHelp(
        "The key material: raw bytes for symmetric and HMAC keys; a private key (PEM or DER; PKCS#8, PKCS#1 or SEC1) for asymmetric keys.",
        valueName: "file"))
    var keyFile: String

    @Option(name: .customLong("wrapping-algorithm"), help: ArgumentHelp(
        "Default: RSA_AES_KEY_WRAP_SHA_256 for private keys, RSAES_OAEP_SHA_256 otherwise.", valueName: "algorithm"))
    var wrappingAlgorithm: ByokWrappingAlgorithm?

    @Option(name: .customLong("wrapping-key-spec"), help: ArgumentHelp("The wrapping key size.", valueName: "spec"))
    var wrappingKeySpec: ByokWrappingKeySpec = .rsa4096

    @Option(name: .customLong("expiration-model"), help: ArgumentHelp(
        "Default: KEY_MATERIAL_EXPIRES with --valid-to, else KEY_MATERIAL_DOES_NOT_EXPIRE.", valueName: "model"))
    var expirationModel: ByokExpirationModel?

    @Option(name: .customLong("valid-to"), help: ArgumentHelp(
        "When the key material expires: ISO 8601 (2026-01-31T12:00:00Z) or epoch seconds.", valueName: "time"))
    var validTo: String?

    @Option(name: .customLong("import-type"), help: ArgumentHelp("Symmetric keys only.", valueName: "type"))
    var importType: ByokImportType?

    @Option(name: .customLong("key-material-description"), help: ArgumentHelp("Symmetric keys only.", valueName: "text"))
    var keyMaterialDescription: String?

    @Option(name: .customLong("key-material-id"), help: ArgumentHelp(
        "Symmetric keys only: the ID of the material being reimported.", valueName: "id"))
    var keyMaterialID: KeyMaterialID?

    @Option(name: .customLong("endpoint-url"), help: ArgumentHelp("The KMS endpoint.", valueName: "url"))
    var endpointURL: String?

    @Option(help: ArgumentHelp("The AWS Region.", valueName: "region"))
    var region: String?

    func validate() throws {
        if let validTo, ByokSupport.parseTimestamp(validTo) == nil {
            throw ValidationError("--valid-to must be ISO 8601 (e.g. 2026-01-31T12:00:00Z) or epoch seconds.")
        }
        if expirationModel == .expires && validTo == nil {
            throw ValidationError("--expiration-model KEY_MATERIAL_EXPIRES needs --valid-to.")
        }
        if expirationModel == .doesNotExpire && validTo != nil {
            throw ValidationError("--valid-to cannot be used with --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE.")
        }
    }

    func run() async throws {
        try await ByokSupport.reporting {
            let file = try ByokSupport.read(keyFile, what: "key file")
            let configuration = try AWSClientConfiguration.resolve(
                endpointURL: endpointURL, region: region, environment: ProcessInfo.processInfo.environment
            )
            let client = KMSClient(configuration: configuration)

            let described = try await client.call("DescribeKey", KeyIDRequest(keyID: keyID), as: DescribeKeyResponse.self)
            let metadata = described.keyMetadata
            let keyType = Self.keyType(for: metadata.keySpec)
            let material = try ByokSupport.material(from: file, type: keyType)
            let target = metadata.arn

            let algorithm = wrappingAlgorithm ?? (keyType == .privateKey ? .rsaAESKeyWrapSHA256 : .rsaesOAEPSHA256)
            let parameters = try await client.call(
                "GetParametersForImport", parametersRequest(target: target, algorithm: algorithm), as: GetParametersForImportResponse.self
            )
            let wrapped: [UInt8]
            do {
                let spki = try KeyFile.publicKeySPKI(Array(parameters.publicKey))
                wrapped = try ImportWrapping.wrap(material: material, publicKeyDER: spki, algorithm: algorithm.algorithm)
            } catch let error as KeyFile.Failure {
                throw BYOKError("GetParametersForImport returned an unusable wrapping key: \(error.description)")
            }

            let request = importRequest(target: target, importToken: parameters.importToken, wrapped: wrapped)
            let result = try await client.call("ImportKeyMaterial", request, as: ImportKeyMaterialResponse.self)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let json = try encoder.encode(result)
            FileHandle.standardOutput.write(json + Data("\n".utf8))
        }
    }

    /// How to read the key file for a key of `spec`: raw bytes for symmetric and HMAC keys, a private key otherwise.
    static func keyType(for spec: KeySpec) -> ByokKeyType {
        switch KeySpecRules.family(spec) {
        case .symmetric: return .symmetric
        case .hmac: return .hmac
        case .asymmetric: return .privateKey
        }
    }

    /// The GetParametersForImport request for the key `target` (its ARN).
    func parametersRequest(target: String, algorithm: ByokWrappingAlgorithm) -> GetParametersForImportRequest {
        GetParametersForImportRequest(keyID: target, wrappingAlgorithm: algorithm.algorithm, wrappingKeySpec: wrappingKeySpec.spec)
    }

    /// The ImportKeyMaterial request from the options: ValidTo in whole epoch seconds; the expiration model
    /// KEY_MATERIAL_EXPIRES with --valid-to, else KEY_MATERIAL_DOES_NOT_EXPIRE, unless given.
    func importRequest(target: String, importToken: Data, wrapped: [UInt8]) -> ImportKeyMaterialRequest {
        let validToDate = validTo.flatMap(ByokSupport.parseTimestamp).map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
        let model = expirationModel ?? (validToDate == nil ? .doesNotExpire : .expires)
        return ImportKeyMaterialRequest(
            keyID: target, importToken: importToken, encryptedKeyMaterial: Data(wrapped), validTo: validToDate,
            expirationModel: model.model, importType: importType?.importType, keyMaterialDescription: keyMaterialDescription,
            keyMaterialID: keyMaterialID
        )
    }
}
