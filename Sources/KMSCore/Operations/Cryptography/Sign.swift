import Foundation

public struct SignRequest: Decodable, Sendable {
    var keyID: String
    var message: Data
    var messageType: MessageType?
    var grantTokens: [String]?
    var signingAlgorithm: SigningAlgorithm
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", message = "Message", messageType = "MessageType", grantTokens = "GrantTokens"
        case signingAlgorithm = "SigningAlgorithm", dryRun = "DryRun"
    }
}

public struct SignResponse: Encodable, Sendable {
    var keyID: String
    var signature: Data
    var signingAlgorithm: SigningAlgorithm
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", signature = "Signature", signingAlgorithm = "SigningAlgorithm" }
}

public struct VerifyRequest: Decodable, Sendable {
    var keyID: String
    var message: Data
    var messageType: MessageType?
    var signature: Data
    var signingAlgorithm: SigningAlgorithm
    var grantTokens: [String]?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", message = "Message", messageType = "MessageType", signature = "Signature"
        case signingAlgorithm = "SigningAlgorithm", grantTokens = "GrantTokens", dryRun = "DryRun"
    }
}

public struct VerifyResponse: Encodable, Sendable {
    var keyID: String
    var signatureValid: Bool
    var signingAlgorithm: SigningAlgorithm
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", signatureValid = "SignatureValid", signingAlgorithm = "SigningAlgorithm" }
}

extension KMSService {
    /// [Sign](https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html): standard signatures (DER for ECDSA)
    /// that OpenSSL verifies with the key from GetPublicKey.
    public func sign(_ request: SignRequest, caller: Caller) async throws(KMSError) -> SignResponse {
        let key = try await cryptographicKey(
            request.keyID, caller: caller, operation: .sign, usage: .signVerify,
            facts: Self.signingFacts(request.signingAlgorithm, request.messageType, request.grantTokens)
        )
        let input = try SigningRules.prepare(
            key: key, algorithm: request.signingAlgorithm, messageType: request.messageType ?? .raw, message: Array(request.message)
        )
        try Self.checkDryRun(request.dryRun)
        let signer = try await asymmetricKey(key)
        let signature =
            key.keySpec.isRSA
            ? try await HeavyWork.run { () throws(KMSError) in try signer.sign(input) }
            : try signer.sign(input)
        recordUsage(key, .sign, caller: caller)
        return SignResponse(keyID: key.arn, signature: Data(signature), signingAlgorithm: request.signingAlgorithm)
    }

    /// [Verify](https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html): `SignatureValid: true`, or
    /// `KMSInvalidSignatureException`.
    public func verify(_ request: VerifyRequest, caller: Caller) async throws(KMSError) -> VerifyResponse {
        let key = try await cryptographicKey(
            request.keyID, caller: caller, operation: .verify, usage: .signVerify,
            facts: Self.signingFacts(request.signingAlgorithm, request.messageType, request.grantTokens)
        )
        let input = try SigningRules.prepare(
            key: key, algorithm: request.signingAlgorithm, messageType: request.messageType ?? .raw, message: Array(request.message)
        )
        try Self.checkDryRun(request.dryRun)
        guard try await asymmetricKey(key).verify(Array(request.signature), input) else {
            throw KMSError(.kmsInvalidSignature, "")
        }
        recordUsage(key, .verify, caller: caller)
        return VerifyResponse(keyID: key.arn, signatureValid: true, signingAlgorithm: request.signingAlgorithm)
    }

    static func signingFacts(_ algorithm: SigningAlgorithm, _ messageType: MessageType?, _ grantTokens: [String]?) -> RequestFacts {
        var facts = RequestFacts(grantTokens: grantTokens)
        facts.set("kms:SigningAlgorithm", algorithm.rawValue)
        facts.set("kms:MessageType", (messageType ?? .raw).rawValue)
        return facts
    }
}
