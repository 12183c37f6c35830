import Foundation

/// Shared steps of the cryptographic operations: key usage, key state, material loading, DryRun.
extension KMSService {
    /// Resolves a key for a cryptographic operation and checks usage, then state (spec §8 precedence).
    /// Authorization comes first (after NotFound), so that an unauthorized caller learns nothing of the key's state.
    func cryptographicKey(
        _ text: String, caller: Caller, operation: OperationName, usage: KeyUsage, specs: ((KeySpec) -> Bool)? = nil,
        action: String? = nil, facts: RequestFacts = RequestFacts()
    ) async throws(KMSError) -> KeyRecord {
        let key = try await authorizedKey(
            text, caller: caller, action: action ?? "kms:\(operation.rawValue)", operation: operation, allowAlias: true, facts: facts
        )
        try Self.requireUsage(key, usage, operation)
        if let specs, !specs(key.keySpec) {
            throw KMSError(.invalidKeyUsage, "\(key.arn) key spec is \(key.keySpec.rawValue) which is not valid for \(operation.rawValue).")
        }
        try KeyStateRules.check(operation, key)
        return key
    }

    static func requireUsage(_ key: KeyRecord, _ usage: KeyUsage, _ operation: OperationName) throws(KMSError) {
        guard key.keyUsage == usage else {
            throw KMSError(.invalidKeyUsage, "\(key.arn) key usage is \(key.keyUsage.rawValue) which is not valid for \(operation.rawValue).")
        }
    }

    /// The CURRENT material of a key and its ID.
    func currentMaterial(_ key: KeyRecord) async throws(KMSError) -> (id: KeyMaterialID, material: KeyMaterial) {
        guard let info = key.currentMaterial else { throw KeyStateRules.pendingImport(key.arn) }
        return (info.id, try await material(key, id: info.id))
    }

    /// One material of a key, unsealed.
    func material(_ key: KeyRecord, id: KeyMaterialID) async throws(KMSError) -> KeyMaterial {
        let slot = MaterialSlot(keyARN: key.arn, materialID: id)
        if let cached = materials[slot] { return cached }
        guard let sealed = try await store.sealedMaterial(keyID: key.id, materialID: id, in: key.scope) else {
            throw KMSError.internalFailure("key material \(id) of \(key.arn) is missing from the store")
        }
        let material = try sealer.open(sealed.sealed, keyARN: key.arn, materialID: id)
        materials[slot] = material
        return material
    }

    /// The asymmetric private key of a key, parsed once per material.
    func asymmetricKey(_ key: KeyRecord) async throws(KMSError) -> AsymmetricKey {
        guard let info = key.currentMaterial else { throw KeyStateRules.pendingImport(key.arn) }
        let slot = MaterialSlot(keyARN: key.arn, materialID: info.id)
        if let cached = asymmetricKeys[slot] { return cached }
        let parsed = try AsymmetricKey(spec: key.keySpec, material: try await material(key, id: info.id))
        asymmetricKeys[slot] = parsed
        return parsed
    }

    static let ciphertextAccessDenied =
        "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access."

    /// Facts for the operations that take an encryption context: the context, the algorithm, the grant tokens.
    static func cryptoFacts(context: [String: String]?, algorithm: EncryptionAlgorithm, grantTokens: [String]?) -> RequestFacts {
        var facts = RequestFacts(encryptionContext: context, grantTokens: grantTokens)
        facts.set("kms:EncryptionAlgorithm", algorithm.rawValue)
        return facts
    }

    static func checkDryRun(_ dryRun: Bool?) throws(KMSError) {
        if dryRun == true {
            throw KMSError(.dryRunOperation, "The request would have succeeded, but the DryRun option is set.")
        }
    }

    static func refuseRecipient(_ recipient: RecipientInfo?) throws(KMSError) {
        if recipient != nil {
            throw KMSError.unsupported("Recipient (Nitro Enclaves attestation) is not supported by this server.")
        }
    }

    static func isSymmetric(_ spec: KeySpec) -> Bool { spec == .symmetricDefault }

    static let maximumPlaintext = 4096

    /// AWS's plaintext limits for RSA-OAEP (spec §9.6).
    static func rsaPlaintextLimit(_ spec: KeySpec, _ algorithm: EncryptionAlgorithm) -> Int? {
        switch (spec, algorithm) {
        case (.rsa2048, .rsaesOAEPSHA1): return 214
        case (.rsa2048, .rsaesOAEPSHA256): return 190
        case (.rsa3072, .rsaesOAEPSHA1): return 342
        case (.rsa3072, .rsaesOAEPSHA256): return 318
        case (.rsa4096, .rsaesOAEPSHA1): return 470
        case (.rsa4096, .rsaesOAEPSHA256): return 446
        default: return nil
        }
    }

    /// Checks the encryption algorithm against the key and returns it (default SYMMETRIC_DEFAULT).
    static func encryptionAlgorithm(_ requested: EncryptionAlgorithm?, for key: KeyRecord) throws(KMSError) -> EncryptionAlgorithm {
        let algorithm = requested ?? .symmetricDefault
        guard let allowed = KeySpecRules.encryptionAlgorithms(key.keySpec, key.keyUsage), allowed.contains(algorithm) else {
            throw KMSError(.invalidKeyUsage, "Algorithm \(algorithm.rawValue) is incompatible with key spec \(key.keySpec.rawValue).")
        }
        return algorithm
    }

    /// Encrypts with a symmetric or RSA key (the Encrypt and ReEncrypt destination path).
    func encryptPayload(
        _ plaintext: [UInt8], key: KeyRecord, algorithm: EncryptionAlgorithm, context: [String: String]?
    ) async throws(KMSError) -> (blob: [UInt8], materialID: KeyMaterialID?) {
        if algorithm == .symmetricDefault {
            let (materialID, material) = try await currentMaterial(key)
            let blob = try CiphertextBlob.seal(
                plaintext, material: material, keyID: key.id, keyARN: key.arn, materialID: materialID, context: context, random: random
            )
            return (blob.bytes, materialID)
        }
        if let context, !context.isEmpty {
            throw KMSError.validation("EncryptionContext is not supported with asymmetric KMS keys.")
        }
        if let limit = Self.rsaPlaintextLimit(key.keySpec, algorithm), plaintext.count > limit {
            throw KMSError.validation(
                "Algorithm \(algorithm.rawValue) and key spec \(key.keySpec.rawValue) cannot encrypt data larger than \(limit) bytes."
            )
        }
        return (try await asymmetricKey(key).encrypt(plaintext, algorithm: algorithm), nil)
    }

    static let incorrectKey = KMSError(.incorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.")

    /// Decrypts a ciphertext (the Decrypt and ReEncrypt source path).
    /// - Parameters:
    ///   - keyText: the caller's KeyId, required for asymmetric ciphertexts.
    ///   - action: `kms:Decrypt` or `kms:ReEncryptFrom`; `facts` carry the request's context and grant tokens.
    func decryptPayload(
        _ ciphertext: [UInt8], keyText: String?, algorithm requested: EncryptionAlgorithm?, context: [String: String]?,
        caller: Caller, operation: OperationName, dryRun: Bool?, ignoreCiphertext: Bool, action: String, facts: RequestFacts
    ) async throws(KMSError) -> (plaintext: [UInt8], key: KeyRecord, algorithm: EncryptionAlgorithm, materialID: KeyMaterialID?) {
        let algorithm = requested ?? .symmetricDefault
        if algorithm == .symmetricDefault {
            guard let blob = CiphertextBlob(bytes: ciphertext) else {
                if ignoreCiphertext, let keyText {
                    let key = try await cryptographicKey(
                        keyText, caller: caller, operation: operation, usage: .encryptDecrypt, action: action, facts: facts
                    )
                    _ = try Self.encryptionAlgorithm(algorithm, for: key)
                    try Self.checkDryRun(dryRun)
                }
                throw KMSError(.invalidCiphertext, "")
            }
            let key: KeyRecord
            var requestAlias: String?
            if let keyText {
                let (named, alias) = try await locateKey(keyText, caller: caller, operation: operation, allowAlias: true)
                guard named.id == blob.keyID else { throw Self.incorrectKey }
                key = named
                requestAlias = alias
            } else {
                do {
                    key = try await liveKey(blob.keyID, scope: caller.scope)
                } catch where error.code == .notFound {
                    throw KMSError(.invalidCiphertext, "")
                }
            }
            do {
                try await authorize(key: key, action: action, caller: caller, facts: facts, requestAlias: requestAlias)
            } catch where error.code == .accessDenied && operation == .decrypt {
                // AWS's generic answer: the caller learns nothing about the ciphertext's key.
                throw KMSError(.accessDenied, Self.ciphertextAccessDenied)
            }
            try Self.requireUsage(key, .encryptDecrypt, operation)
            _ = try Self.encryptionAlgorithm(algorithm, for: key)
            try KeyStateRules.check(operation, key)
            try Self.checkDryRun(dryRun)
            guard key.materials.contains(where: { $0.id == blob.materialID && $0.state != .pendingRotation }) else {
                throw KMSError(.invalidCiphertext, "")
            }
            let material = try await material(key, id: blob.materialID)
            return (try blob.open(material: material, keyARN: key.arn, context: context), key, algorithm, blob.materialID)
        }
        guard let keyText else {
            throw KMSError.validation("KeyId is required when the EncryptionAlgorithm is \(algorithm.rawValue).")
        }
        let key = try await cryptographicKey(keyText, caller: caller, operation: operation, usage: .encryptDecrypt, action: action, facts: facts)
        _ = try Self.encryptionAlgorithm(algorithm, for: key)
        try Self.checkDryRun(dryRun)
        if let context, !context.isEmpty {
            throw KMSError.validation("EncryptionContext is not supported with asymmetric KMS keys.")
        }
        let decrypter = try await asymmetricKey(key)
        let plaintext = try await HeavyWork.run { () throws(KMSError) in try decrypter.decrypt(ciphertext, algorithm: algorithm) }  // RSA only
        return (plaintext, key, algorithm, nil)
    }
}
