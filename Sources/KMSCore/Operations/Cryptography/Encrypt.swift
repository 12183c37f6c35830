import Foundation

public struct EncryptRequest: Decodable, Sendable {
    var keyID: String
    var plaintext: Data
    var encryptionContext: [String: String]?
    var grantTokens: [String]?
    var encryptionAlgorithm: EncryptionAlgorithm?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", plaintext = "Plaintext", encryptionContext = "EncryptionContext", grantTokens = "GrantTokens"
        case encryptionAlgorithm = "EncryptionAlgorithm", dryRun = "DryRun"
    }
}

public struct EncryptResponse: Encodable, Sendable {
    var ciphertextBlob: Data
    var keyID: String
    var encryptionAlgorithm: EncryptionAlgorithm
    enum CodingKeys: String, CodingKey { case ciphertextBlob = "CiphertextBlob", keyID = "KeyId", encryptionAlgorithm = "EncryptionAlgorithm" }
}

public struct DecryptRequest: Decodable, Sendable {
    var ciphertextBlob: Data?
    var encryptionContext: [String: String]?
    var grantTokens: [String]?
    var keyID: String?
    var encryptionAlgorithm: EncryptionAlgorithm?
    var recipient: RecipientInfo?
    var dryRun: Bool?
    var dryRunModifiers: [String]?
    enum CodingKeys: String, CodingKey {
        case ciphertextBlob = "CiphertextBlob", encryptionContext = "EncryptionContext", grantTokens = "GrantTokens", keyID = "KeyId"
        case encryptionAlgorithm = "EncryptionAlgorithm", recipient = "Recipient", dryRun = "DryRun", dryRunModifiers = "DryRunModifiers"
    }
}

public struct DecryptResponse: Encodable, Sendable {
    var keyID: String
    var plaintext: Data
    var encryptionAlgorithm: EncryptionAlgorithm
    var keyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", plaintext = "Plaintext", encryptionAlgorithm = "EncryptionAlgorithm", keyMaterialID = "KeyMaterialId"
    }
}

public struct ReEncryptRequest: Decodable, Sendable {
    var ciphertextBlob: Data?
    var sourceEncryptionContext: [String: String]?
    var sourceKeyID: String?
    var destinationKeyID: String
    var destinationEncryptionContext: [String: String]?
    var sourceEncryptionAlgorithm: EncryptionAlgorithm?
    var destinationEncryptionAlgorithm: EncryptionAlgorithm?
    var grantTokens: [String]?
    var dryRun: Bool?
    var dryRunModifiers: [String]?
    enum CodingKeys: String, CodingKey {
        case ciphertextBlob = "CiphertextBlob", sourceEncryptionContext = "SourceEncryptionContext", sourceKeyID = "SourceKeyId"
        case destinationKeyID = "DestinationKeyId", destinationEncryptionContext = "DestinationEncryptionContext"
        case sourceEncryptionAlgorithm = "SourceEncryptionAlgorithm", destinationEncryptionAlgorithm = "DestinationEncryptionAlgorithm"
        case grantTokens = "GrantTokens", dryRun = "DryRun", dryRunModifiers = "DryRunModifiers"
    }
}

public struct ReEncryptResponse: Encodable, Sendable {
    var ciphertextBlob: Data
    var sourceKeyID: String
    var keyID: String
    var sourceEncryptionAlgorithm: EncryptionAlgorithm
    var destinationEncryptionAlgorithm: EncryptionAlgorithm
    var sourceKeyMaterialID: KeyMaterialID?
    var destinationKeyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey {
        case ciphertextBlob = "CiphertextBlob", sourceKeyID = "SourceKeyId", keyID = "KeyId"
        case sourceEncryptionAlgorithm = "SourceEncryptionAlgorithm", destinationEncryptionAlgorithm = "DestinationEncryptionAlgorithm"
        case sourceKeyMaterialID = "SourceKeyMaterialId", destinationKeyMaterialID = "DestinationKeyMaterialId"
    }
}

extension KMSService {
    /// [Encrypt](https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html): symmetric keys (Coffer's blob,
    /// docs/ciphertext-format.md) and RSA keys (RSA-OAEP, AWS's plaintext limits).
    public func encrypt(_ request: EncryptRequest, caller: Caller) async throws(KMSError) -> EncryptResponse {
        let facts = Self.cryptoFacts(
            context: request.encryptionContext, algorithm: request.encryptionAlgorithm ?? .symmetricDefault, grantTokens: request.grantTokens
        )
        let key = try await cryptographicKey(request.keyID, caller: caller, operation: .encrypt, usage: .encryptDecrypt, facts: facts)
        let algorithm = try Self.encryptionAlgorithm(request.encryptionAlgorithm, for: key)
        try Self.checkDryRun(request.dryRun)
        let (blob, _) = try await encryptPayload(Array(request.plaintext), key: key, algorithm: algorithm, context: request.encryptionContext)
        recordUsage(key, .encrypt, caller: caller)
        return EncryptResponse(ciphertextBlob: Data(blob), keyID: key.arn, encryptionAlgorithm: algorithm)
    }

    /// [Decrypt](https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html): symmetric ciphertexts name
    /// their key; asymmetric ones need KeyId and EncryptionAlgorithm.
    public func decrypt(_ request: DecryptRequest, caller: Caller) async throws(KMSError) -> DecryptResponse {
        try Self.refuseRecipient(request.recipient)
        guard let ciphertext = request.ciphertextBlob else {
            throw KMSError.validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null")
        }
        let result = try await decryptPayload(
            Array(ciphertext), keyText: request.keyID, algorithm: request.encryptionAlgorithm, context: request.encryptionContext,
            caller: caller, operation: .decrypt, dryRun: request.dryRun,
            ignoreCiphertext: request.dryRunModifiers?.contains("IGNORE_CIPHERTEXT") ?? false, action: "kms:Decrypt",
            facts: Self.cryptoFacts(
                context: request.encryptionContext, algorithm: request.encryptionAlgorithm ?? .symmetricDefault,
                grantTokens: request.grantTokens
            )
        )
        recordUsage(result.key, .decrypt, caller: caller)
        return DecryptResponse(
            keyID: result.key.arn, plaintext: Data(result.plaintext), encryptionAlgorithm: result.algorithm, keyMaterialID: result.materialID
        )
    }

    /// [ReEncrypt](https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html): decrypt under the source key
    /// and encrypt under the destination, both symmetric or RSA ENCRYPT_DECRYPT keys.
    public func reEncrypt(_ request: ReEncryptRequest, caller: Caller) async throws(KMSError) -> ReEncryptResponse {
        guard let ciphertext = request.ciphertextBlob else {
            throw KMSError.validation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null")
        }
        // kms:ReEncryptOnSameKey needs the source key: from the ciphertext for symmetric blobs, else SourceKeyId.
        let sourceKeyID = CiphertextBlob(bytes: Array(ciphertext))?.keyID.rawValue ?? request.sourceKeyID
        let destinationFacts = Self.reEncryptFacts(request, destination: true, sourceKeyID: sourceKeyID)
        // A SourceKeyId that is not the ciphertext's key is IncorrectKeyException before anything about the
        // destination is checked (AWS's recording: test_re_encrypt_incorrect_source_key).
        if let sourceText = request.sourceKeyID, (request.sourceEncryptionAlgorithm ?? .symmetricDefault) == .symmetricDefault,
            let blob = CiphertextBlob(bytes: Array(ciphertext))
        {
            let (named, _) = try await locateKey(sourceText, caller: caller, operation: .reEncrypt, allowAlias: true)
            guard named.id == blob.keyID else { throw Self.incorrectKey }
        }
        let destination = try await cryptographicKey(
            request.destinationKeyID, caller: caller, operation: .reEncrypt, usage: .encryptDecrypt, action: "kms:ReEncryptTo",
            facts: destinationFacts
        )
        let destinationAlgorithm = try Self.encryptionAlgorithm(request.destinationEncryptionAlgorithm, for: destination)
        let source = try await decryptPayload(
            Array(ciphertext), keyText: request.sourceKeyID, algorithm: request.sourceEncryptionAlgorithm,
            context: request.sourceEncryptionContext, caller: caller, operation: .reEncrypt, dryRun: request.dryRun,
            ignoreCiphertext: request.dryRunModifiers?.contains("IGNORE_CIPHERTEXT") ?? false, action: "kms:ReEncryptFrom",
            facts: Self.reEncryptFacts(request, destination: false, sourceKeyID: sourceKeyID, destinationKeyID: destination.id.rawValue)
        )
        let (blob, destinationMaterialID) = try await encryptPayload(
            source.plaintext, key: destination, algorithm: destinationAlgorithm, context: request.destinationEncryptionContext
        )
        recordUsage(source.key, .reEncrypt, caller: caller)
        recordUsage(destination, .reEncrypt, caller: caller)
        return ReEncryptResponse(
            ciphertextBlob: Data(blob), sourceKeyID: source.key.arn, keyID: destination.arn,
            sourceEncryptionAlgorithm: source.algorithm, destinationEncryptionAlgorithm: destinationAlgorithm,
            sourceKeyMaterialID: source.materialID, destinationKeyMaterialID: destinationMaterialID
        )
    }

    /// Facts for the two halves of ReEncrypt: each half sees its own encryption context and algorithm (spec §1.7).
    static func reEncryptFacts(_ request: ReEncryptRequest, destination: Bool, sourceKeyID: String?, destinationKeyID: String? = nil) -> RequestFacts {
        var facts = destination
            ? cryptoFacts(
                context: request.destinationEncryptionContext,
                algorithm: request.destinationEncryptionAlgorithm ?? .symmetricDefault, grantTokens: request.grantTokens
            )
            : cryptoFacts(
                context: request.sourceEncryptionContext, algorithm: request.sourceEncryptionAlgorithm ?? .symmetricDefault,
                grantTokens: request.grantTokens
            )
        if let sourceKeyID, let destinationKeyID {
            facts.set("kms:ReEncryptOnSameKey", Self.sameKey(sourceKeyID, destinationKeyID))
        } else if let sourceKeyID {
            facts.set("kms:ReEncryptOnSameKey", Self.sameKey(sourceKeyID, request.destinationKeyID))
        }
        return facts
    }

    /// Whether two key identifiers name the same key ID (ARNs compared by their key ID part).
    static func sameKey(_ a: String, _ b: String) -> Bool {
        func id(_ text: String) -> String { text.split(separator: "/").last.map(String.init) ?? text }
        return id(a) == id(b)
    }
}
