import Crypto
import Foundation

public struct GenerateDataKeyPairRequest: Decodable, Sendable {
    var encryptionContext: [String: String]?
    var keyID: String
    var keyPairSpec: DataKeyPairSpec
    var grantTokens: [String]?
    var recipient: RecipientInfo?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case encryptionContext = "EncryptionContext", keyID = "KeyId", keyPairSpec = "KeyPairSpec", grantTokens = "GrantTokens"
        case recipient = "Recipient", dryRun = "DryRun"
    }
}

public struct GenerateDataKeyPairResponse: Encodable, Sendable {
    var privateKeyCiphertextBlob: Data
    var privateKeyPlaintext: Data?
    var publicKey: Data
    var keyID: String
    var keyPairSpec: DataKeyPairSpec
    var keyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey {
        case privateKeyCiphertextBlob = "PrivateKeyCiphertextBlob", privateKeyPlaintext = "PrivateKeyPlaintext", publicKey = "PublicKey"
        case keyID = "KeyId", keyPairSpec = "KeyPairSpec", keyMaterialID = "KeyMaterialId"
    }
}

extension KMSService {
    /// [GenerateDataKeyPair](https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html):
    /// a PKCS#8 private key encrypted under a symmetric KMS key, so that Decrypt returns it.
    public func generateDataKeyPair(_ request: GenerateDataKeyPairRequest, caller: Caller) async throws(KMSError) -> GenerateDataKeyPairResponse {
        try await generateDataKeyPair(request, caller: caller, operation: .generateDataKeyPair, includePlaintext: true)
    }

    /// [GenerateDataKeyPairWithoutPlaintext](https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPairWithoutPlaintext.html)
    public func generateDataKeyPairWithoutPlaintext(
        _ request: GenerateDataKeyPairRequest, caller: Caller
    ) async throws(KMSError) -> GenerateDataKeyPairResponse {
        try await generateDataKeyPair(request, caller: caller, operation: .generateDataKeyPairWithoutPlaintext, includePlaintext: false)
    }

    private func generateDataKeyPair(
        _ request: GenerateDataKeyPairRequest, caller: Caller, operation: OperationName, includePlaintext: Bool
    ) async throws(KMSError) -> GenerateDataKeyPairResponse {
        try Self.refuseRecipient(request.recipient)
        var facts = Self.cryptoFacts(context: request.encryptionContext, algorithm: .symmetricDefault, grantTokens: request.grantTokens)
        facts.set("kms:DataKeyPairSpec", request.keyPairSpec.rawValue)
        let key = try await cryptographicKey(
            request.keyID, caller: caller, operation: operation, usage: .encryptDecrypt, specs: Self.isSymmetric, facts: facts
        )
        if request.keyPairSpec == .sm2 {
            throw KMSError.unsupported("KeyPairSpec SM2 is only available in China Regions.")
        }
        try Self.checkDryRun(request.dryRun)
        let spec = request.keyPairSpec
        let generate = { @Sendable () throws(KMSError) -> OpenSSLKey in
            guard let type = AsymmetricKeyType(spec) else {
                throw KMSError.unsupported("KeyPairSpec SM2 is only available in China Regions.")
            }
            do {
                return try OpenSSLKey.generate(type)
            } catch {
                throw KMSError.internalFailure(error)
            }
        }
        let pair = spec.isRSA ? try await HeavyWork.run(generate) : try generate()
        let privateKey: [UInt8]
        let publicKey: [UInt8]
        do {
            privateKey = try pair.pkcs8()
            publicKey = try pair.spki()
        } catch {
            throw KMSError.internalFailure(error)
        }
        let (blob, materialID) = try await encryptPayload(privateKey, key: key, algorithm: .symmetricDefault, context: request.encryptionContext)
        recordUsage(key, operation, caller: caller)
        return GenerateDataKeyPairResponse(
            privateKeyCiphertextBlob: Data(blob), privateKeyPlaintext: includePlaintext ? Data(privateKey) : nil, publicKey: Data(publicKey),
            keyID: key.arn, keyPairSpec: request.keyPairSpec, keyMaterialID: materialID
        )
    }
}
