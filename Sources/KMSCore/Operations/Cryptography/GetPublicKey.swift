import Foundation

public struct GetPublicKeyRequest: Decodable, Sendable {
    var keyID: String
    var grantTokens: [String]?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", grantTokens = "GrantTokens" }
}

public struct GetPublicKeyResponse: Encodable, Sendable {
    var keyID: String
    var publicKey: Data
    var customerMasterKeySpec: String
    var keySpec: KeySpec
    var keyUsage: KeyUsage
    var encryptionAlgorithms: [EncryptionAlgorithm]?
    var signingAlgorithms: [SigningAlgorithm]?
    var keyAgreementAlgorithms: [KeyAgreementAlgorithm]?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", publicKey = "PublicKey", customerMasterKeySpec = "CustomerMasterKeySpec", keySpec = "KeySpec"
        case keyUsage = "KeyUsage", encryptionAlgorithms = "EncryptionAlgorithms", signingAlgorithms = "SigningAlgorithms"
        case keyAgreementAlgorithms = "KeyAgreementAlgorithms"
    }
}

public struct DeriveSharedSecretRequest: Decodable, Sendable {
    var keyID: String
    var keyAgreementAlgorithm: KeyAgreementAlgorithm
    var publicKey: Data
    var grantTokens: [String]?
    var dryRun: Bool?
    var recipient: RecipientInfo?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", keyAgreementAlgorithm = "KeyAgreementAlgorithm", publicKey = "PublicKey", grantTokens = "GrantTokens"
        case dryRun = "DryRun", recipient = "Recipient"
    }
}

public struct DeriveSharedSecretResponse: Encodable, Sendable {
    var keyID: String
    var sharedSecret: Data
    var keyAgreementAlgorithm: KeyAgreementAlgorithm
    var keyOrigin: Origin
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", sharedSecret = "SharedSecret", keyAgreementAlgorithm = "KeyAgreementAlgorithm", keyOrigin = "KeyOrigin"
    }
}

extension KMSService {
    /// [GetPublicKey](https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html): DER SubjectPublicKeyInfo.
    public func getPublicKey(_ request: GetPublicKeyRequest, caller: Caller) async throws(KMSError) -> GetPublicKeyResponse {
        let key = try await authorizedKey(
            request.keyID, caller: caller, operation: .getPublicKey, allowAlias: true, facts: RequestFacts(grantTokens: request.grantTokens)
        )
        guard KeySpecRules.family(key.keySpec) == .asymmetric else {
            throw KMSError.unsupported("\(key.arn) key spec is \(key.keySpec.rawValue) which is not valid for GetPublicKey.")
        }
        try KeyStateRules.check(.getPublicKey, key)
        let publicKey = try await asymmetricKey(key).publicKeyDER()
        return GetPublicKeyResponse(
            keyID: key.arn, publicKey: Data(publicKey), customerMasterKeySpec: key.keySpec.rawValue, keySpec: key.keySpec,
            keyUsage: key.keyUsage, encryptionAlgorithms: KeySpecRules.encryptionAlgorithms(key.keySpec, key.keyUsage),
            signingAlgorithms: KeySpecRules.signingAlgorithms(key.keySpec, key.keyUsage),
            keyAgreementAlgorithms: KeySpecRules.keyAgreementAlgorithms(key.keySpec, key.keyUsage)
        )
    }

    /// [DeriveSharedSecret](https://docs.aws.amazon.com/kms/latest/APIReference/API_DeriveSharedSecret.html): ECDH, the raw shared secret.
    public func deriveSharedSecret(_ request: DeriveSharedSecretRequest, caller: Caller) async throws(KMSError) -> DeriveSharedSecretResponse {
        try Self.refuseRecipient(request.recipient)
        var facts = RequestFacts(grantTokens: request.grantTokens)
        facts.set("kms:KeyAgreementAlgorithm", request.keyAgreementAlgorithm.rawValue)
        let key = try await cryptographicKey(request.keyID, caller: caller, operation: .deriveSharedSecret, usage: .keyAgreement, facts: facts)
        try Self.checkDryRun(request.dryRun)
        let secret = try await asymmetricKey(key).deriveSharedSecret(peerSPKI: Array(request.publicKey))
        recordUsage(key, .deriveSharedSecret, caller: caller)
        return DeriveSharedSecretResponse(keyID: key.arn, sharedSecret: Data(secret), keyAgreementAlgorithm: .ecdh, keyOrigin: key.origin)
    }
}
