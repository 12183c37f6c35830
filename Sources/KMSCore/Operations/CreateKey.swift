import Foundation

public struct CreateKeyRequest: Decodable, Sendable {
    var policy: String?
    var description: String?
    var keyUsage: KeyUsage?
    var customerMasterKeySpec: KeySpec?
    var keySpec: KeySpec?
    var origin: Origin?
    var customKeyStoreID: String?
    var bypassPolicyLockoutSafetyCheck: Bool?
    var tags: [WireTag]?
    var multiRegion: Bool?
    var xksKeyID: String?

    enum CodingKeys: String, CodingKey {
        case policy = "Policy", description = "Description", keyUsage = "KeyUsage"
        case customerMasterKeySpec = "CustomerMasterKeySpec", keySpec = "KeySpec", origin = "Origin"
        case customKeyStoreID = "CustomKeyStoreId", bypassPolicyLockoutSafetyCheck = "BypassPolicyLockoutSafetyCheck"
        case tags = "Tags", multiRegion = "MultiRegion", xksKeyID = "XksKeyId"
    }
}

public struct CreateKeyResponse: Encodable, Sendable {
    var keyMetadata: KeyMetadata
    enum CodingKeys: String, CodingKey { case keyMetadata = "KeyMetadata" }
}

extension KMSService {
    /// [CreateKey](https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html)
    /// - Throws: `ValidationException` for invalid spec/usage pairs, `UnsupportedOperationException` for origins and
    ///   specs this server cannot back, `CustomKeyStoreNotFoundException`, `TagException`,
    ///   `MalformedPolicyDocumentException`, `LimitExceededException`.
    public func createKey(_ request: CreateKeyRequest, caller: Caller) async throws(KMSError) -> CreateKeyResponse {
        if request.keySpec != nil && request.customerMasterKeySpec != nil {
            throw KMSError.validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
        }
        let spec = request.keySpec ?? request.customerMasterKeySpec ?? .symmetricDefault
        let usage: KeyUsage
        if let requested = request.keyUsage {
            usage = requested
        } else if spec == .symmetricDefault {
            usage = .encryptDecrypt
        } else {
            throw KMSError.validation("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
        }
        guard KeySpecRules.allowedUsages(spec).contains(usage) else {
            throw KMSError.validation("KeyUsage \(usage.rawValue) is not compatible with KeySpec \(spec.rawValue)")
        }
        let origin = request.origin ?? .awsKMS
        var facts = RequestFacts()
        facts.set("kms:KeySpec", spec.rawValue)
        facts.set("kms:CustomerMasterKeySpec", spec.rawValue)
        facts.set("kms:KeyUsage", usage.rawValue)
        facts.set("kms:CustomerMasterKeyUsage", usage.rawValue)
        facts.set("kms:KeyOrigin", origin.rawValue)
        facts.set("kms:MultiRegion", request.multiRegion ?? false)
        if request.multiRegion == true { facts.set("kms:MultiRegionKeyType", "PRIMARY") }
        facts.set("kms:BypassPolicyLockoutSafetyCheck", request.bypassPolicyLockoutSafetyCheck)
        facts.setRequestTags(request.tags?.map { Tag(key: $0.tagKey, value: $0.tagValue) })
        try authorize(action: "kms:CreateKey", caller: caller, facts: facts)
        if let tags = request.tags, !tags.isEmpty {
            // Tagging at creation also needs kms:TagResource in an identity policy; AWS's message names no resource.
            try authorize(action: "kms:TagResource", resource: "", caller: caller, facts: facts)
        }
        if let storeID = request.customKeyStoreID {
            throw KMSError(.customKeyStoreNotFound, "Custom key store '\(storeID)' does not exist. Coffer has no custom key stores.")
        }
        if request.xksKeyID != nil && origin != .externalKeyStore {
            throw KMSError.validation("XksKeyId can only be specified when Origin is EXTERNAL_KEY_STORE.")
        }
        switch origin {
        case .awsCloudHSM, .externalKeyStore:
            throw KMSError.unsupported("Origin \(origin.rawValue) requires a CustomKeyStoreId; Coffer has no custom key stores.")
        case .external:
            if !KeySpecRules.supportsImport(spec) {
                throw KMSError.unsupported("Importing \(spec.rawValue) key material is not supported.")
            }
            if let reason = KeySpecRules.unsupportedReason(spec) { throw KMSError.unsupported(reason) }
        case .awsKMS:
            break
        }
        let tags = try TagRules.validate(request.tags ?? [])
        let multiRegion = request.multiRegion ?? false
        let keyID = KeyID(randomBytes: random.bytes(16), multiRegion: multiRegion)
        let policy: String
        if let supplied = request.policy {
            let document = try PolicyRules.validate(supplied)
            try checkLockout(
                document, keyARN: caller.scope.keyARN(keyID), keyAccount: caller.scope.accountID, caller: caller,
                bypass: request.bypassPolicyLockoutSafetyCheck
            )
            policy = supplied
        } else {
            policy = PolicyRules.defaultPolicy(for: caller.scope)
        }

        let now = clock.now()
        var record = KeyRecord(
            id: keyID, scope: caller.scope, creationDate: now, description: request.description ?? "",
            keySpec: spec, keyUsage: usage, origin: origin, multiRegion: multiRegion, enabled: origin == .awsKMS,
            policy: policy, tags: tags, materials: []
        )
        var sealed: [SealedMaterial] = []
        if origin == .awsKMS {
            let material =
                spec.isRSA
                ? try await HeavyWork.run { () throws(KMSError) in try KeyMaterial.generate(for: spec) }
                : try KeyMaterial.generate(for: spec)
            let materialID = material.materialID(for: keyID)
            sealed.append(
                SealedMaterial(
                    keyID: keyID, materialID: materialID,
                    sealed: try sealer.seal(material, keyARN: record.arn, materialID: materialID)
                )
            )
            record.materials = [MaterialInfo(id: materialID, state: .current, createdAt: now)]
        }
        try await store.insertKey(record, materials: sealed)
        caller.trail?.touched(record)
        return CreateKeyResponse(keyMetadata: KeyMetadata(record))
    }
}
