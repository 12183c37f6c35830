import Foundation

public struct GenerateDataKeyRequest: Decodable, Sendable {
    var keyID: String
    var encryptionContext: [String: String]?
    var numberOfBytes: Int?
    var keySpec: DataKeySpec?
    var grantTokens: [String]?
    var recipient: RecipientInfo?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", encryptionContext = "EncryptionContext", numberOfBytes = "NumberOfBytes", keySpec = "KeySpec"
        case grantTokens = "GrantTokens", recipient = "Recipient", dryRun = "DryRun"
    }
}

public struct GenerateDataKeyResponse: Encodable, Sendable {
    var ciphertextBlob: Data
    var plaintext: Data?
    var keyID: String
    var keyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey {
        case ciphertextBlob = "CiphertextBlob", plaintext = "Plaintext", keyID = "KeyId", keyMaterialID = "KeyMaterialId"
    }
}

extension KMSService {
    /// [GenerateDataKey](https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html)
    public func generateDataKey(_ request: GenerateDataKeyRequest, caller: Caller) async throws(KMSError) -> GenerateDataKeyResponse {
        try await generateDataKey(request, caller: caller, operation: .generateDataKey, includePlaintext: true)
    }

    /// [GenerateDataKeyWithoutPlaintext](https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyWithoutPlaintext.html)
    public func generateDataKeyWithoutPlaintext(_ request: GenerateDataKeyRequest, caller: Caller) async throws(KMSError) -> GenerateDataKeyResponse {
        try await generateDataKey(request, caller: caller, operation: .generateDataKeyWithoutPlaintext, includePlaintext: false)
    }

    private func generateDataKey(
        _ request: GenerateDataKeyRequest, caller: Caller, operation: OperationName, includePlaintext: Bool
    ) async throws(KMSError) -> GenerateDataKeyResponse {
        try Self.refuseRecipient(request.recipient)
        let key = try await cryptographicKey(
            request.keyID, caller: caller, operation: operation, usage: .encryptDecrypt, specs: Self.isSymmetric,
            facts: Self.cryptoFacts(context: request.encryptionContext, algorithm: .symmetricDefault, grantTokens: request.grantTokens)
        )
        let count: Int
        switch (request.keySpec, request.numberOfBytes) {
        case (.some, .some):
            throw KMSError.validation("Please specify either KeySpec or NumberOfBytes, but not both.")
        case (.none, .none):
            throw KMSError.validation("Please specify either KeySpec or NumberOfBytes.")
        case (.some(let spec), .none):
            count = spec == .aes256 ? 32 : 16
        case (.none, .some(let n)):
            count = n
        }
        try Self.checkDryRun(request.dryRun)
        let plaintext = random.bytes(count)
        let (blob, materialID) = try await encryptPayload(plaintext, key: key, algorithm: .symmetricDefault, context: request.encryptionContext)
        recordUsage(key, operation, caller: caller)
        return GenerateDataKeyResponse(
            ciphertextBlob: Data(blob), plaintext: includePlaintext ? Data(plaintext) : nil, keyID: key.arn, keyMaterialID: materialID
        )
    }
}
