import Foundation

public struct GenerateRandomRequest: Decodable, Sendable {
    var numberOfBytes: Int?
    var customKeyStoreID: String?
    var recipient: RecipientInfo?
    enum CodingKeys: String, CodingKey { case numberOfBytes = "NumberOfBytes", customKeyStoreID = "CustomKeyStoreId", recipient = "Recipient" }
}

public struct GenerateRandomResponse: Encodable, Sendable {
    var plaintext: Data
    enum CodingKeys: String, CodingKey { case plaintext = "Plaintext" }
}

extension KMSService {
    /// [GenerateRandom](https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html): 1–1024 bytes.
    public func generateRandom(_ request: GenerateRandomRequest, caller: Caller) async throws(KMSError) -> GenerateRandomResponse {
        try authorize(action: "kms:GenerateRandom", caller: caller)
        if let storeID = request.customKeyStoreID {
            throw KMSError(.customKeyStoreNotFound, "Custom key store '\(storeID)' does not exist. Coffer has no custom key stores.")
        }
        if request.recipient != nil {
            throw KMSError.unsupported("Recipient (Nitro Enclaves attestation) is not supported by this server.")
        }
        guard let count = request.numberOfBytes else {
            throw KMSError.validation("NumberOfBytes is required.")
        }
        return GenerateRandomResponse(plaintext: Data(random.bytes(count)))
    }
}
