import Foundation

/// `Encodable` too, for clients (`coffer byok import`): members in the order of the CodingKeys, `ValidTo` in epoch
/// seconds with an encoder set to `.secondsSince1970`.
public struct ImportKeyMaterialRequest: Codable, Sendable {
    var keyID: String
    var importToken: Data
    var encryptedKeyMaterial: Data
    var validTo: Date?
    var expirationModel: ExpirationModel?
    var importType: ImportType?
    var keyMaterialDescription: String?
    var keyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", importToken = "ImportToken", encryptedKeyMaterial = "EncryptedKeyMaterial"
        case expirationModel = "ExpirationModel", validTo = "ValidTo", importType = "ImportType"
        case keyMaterialDescription = "KeyMaterialDescription", keyMaterialID = "KeyMaterialId"
    }

    public init(
        keyID: String, importToken: Data, encryptedKeyMaterial: Data, validTo: Date? = nil, expirationModel: ExpirationModel? = nil,
        importType: ImportType? = nil, keyMaterialDescription: String? = nil, keyMaterialID: KeyMaterialID? = nil
    ) {
        self.keyID = keyID
        self.importToken = importToken
        self.encryptedKeyMaterial = encryptedKeyMaterial
        self.validTo = validTo
        self.expirationModel = expirationModel
        self.importType = importType
        self.keyMaterialDescription = keyMaterialDescription
        self.keyMaterialID = keyMaterialID
    }
}

/// `Decodable` too, for clients (`coffer byok import` prints it).
public struct ImportKeyMaterialResponse: Codable, Sendable {
    public internal(set) var keyID: String
    public internal(set) var keyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", keyMaterialID = "KeyMaterialId" }
}

extension KMSService {
    static let maximumValidity: TimeInterval = 365 * 86_400

    /// [ImportKeyMaterial](https://docs.aws.amazon.com/kms/latest/APIReference/API_ImportKeyMaterial.html), with the checks
    /// in the order of spec §4.4 and the state transitions of §4.6.
    public func importKeyMaterial(_ request: ImportKeyMaterialRequest, caller: Caller) async throws(KMSError) -> ImportKeyMaterialResponse {
        // 2–4: the key, its origin, its state.
        var facts = RequestFacts()
        facts.set("kms:ExpirationModel", request.expirationModel?.rawValue)
        facts.set("kms:ValidTo", request.validTo.flatMap(\.wholeEpochSeconds).map { Int($0) })
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .importKeyMaterial, allowAlias: false, facts: facts)
        try Self.requireExternal(key)
        try KeyStateRules.check(.importKeyMaterial, key)

        // 5: parameter combinations.
        let now = clock.now()
        let model = request.expirationModel ?? .keyMaterialExpires
        switch model {
        case .keyMaterialExpires:
            guard let validTo = request.validTo else {
                throw KMSError.validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
            }
            guard validTo > now else { throw KMSError.validation("ValidTo must be in the future.") }
            guard validTo <= now.addingTimeInterval(Self.maximumValidity) else {
                throw KMSError.validation("ValidTo must be at most 365 days in the future.")
            }
        case .keyMaterialDoesNotExpire:
            if request.validTo != nil {
                throw KMSError.validation("A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE")
            }
        }
        let symmetric = key.keySpec == .symmetricDefault
        if !symmetric, request.importType != nil || request.keyMaterialID != nil || request.keyMaterialDescription != nil {
            throw KMSError.validation(
                "ImportType, KeyMaterialId and KeyMaterialDescription are only valid for symmetric encryption keys; \(key.arn) is \(key.keySpec.rawValue)."
            )
        }
        if request.importType == .newKeyMaterial, request.keyMaterialID != nil {
            throw KMSError.validation("KeyMaterialId must not be set when ImportType is NEW_KEY_MATERIAL.")
        }

        // 6: the token.
        let token = try ImportToken.open(Array(request.importToken), with: sealer)
        guard token.keyARN == key.arn else {
            throw KMSError(.invalidImportToken, "Import token is invalid for \(key.arn): it was issued for another KMS key.")
        }
        guard token.validTo > now else {
            throw KMSError(.expiredImportToken, "Import token expired at \(Self.iso8601(token.validTo)). Call GetParametersForImport again.")
        }
        let privateKey = try await wrappingPrivateKey(token.wrappingKeyID, for: key)

        // 7–8: unwrap and validate the material.
        let encrypted = Array(request.encryptedKeyMaterial)
        let unwrapped = try await HeavyWork.run { () throws(KMSError) in
            try ImportWrapping.unwrap(encrypted, privateKey: privateKey, algorithm: token.algorithm)
        }
        let material = try ImportWrapping.canonicalMaterial(unwrapped, for: key.keySpec)
        let materialID = material.materialID(for: key.id)
        let sealed = try sealer.seal(material, keyARN: key.arn, materialID: materialID)

        // Multi-Region keys: only the primary brings new material; while it has replicas, new material waits for
        // their imports (PENDING_MULTI_REGION_IMPORT_AND_ROTATION).
        if key.isReplica, request.importType == .newKeyMaterial {
            throw KMSError.unsupported("\(key.arn) is a multi-Region replica key. Import new key material into its primary key.")
        }
        let replicated = try await !otherRegions(of: key).isEmpty
        let stagedState: MaterialInfo.State = replicated ? .pendingMultiRegionImportAndRotation : .pendingRotation

        // 9–10: identity rules and commit, atomically.
        let request = request
        let updated = try await updateKey(key, for: .importKeyMaterial) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
            let wasPendingImport = record.state == .pendingImport
            if symmetric {
                try Self.applySymmetricImport(&record, materialID: materialID, request: request, now: now, model: model, stagedState: stagedState)
            } else {
                try Self.applySingleMaterialImport(&record, materialID: materialID, now: now, model: model, validTo: request.validTo)
            }
            record.lastExpirationModel = model
            changes.upsert.append(SealedMaterial(keyID: record.id, materialID: materialID, sealed: sealed))
            if wasPendingImport && record.hasAllPermanentMaterial { record.enabled = true }
        }
        if symmetric { try await syncImport(of: updated, materialID: materialID) }
        return ImportKeyMaterialResponse(keyID: key.arn, keyMaterialID: symmetric ? materialID : nil)
    }

    /// The private half of a wrapping key, parsed once and cached until its parameters expire.
    func wrappingPrivateKey(_ id: String, for key: KeyRecord) async throws(KMSError) -> OpenSSLKey {
        if let cached = wrappingKeyCache[id], cached.keyID == key.id, cached.expiresAt > clock.now() { return cached.key }
        guard let stored = try await store.wrappingKey(id), stored.keyID == key.id,
            let privateDER = sealer.open(bytes: stored.sealed, purpose: Self.wrappingKeyPurpose(id)),
            let privateKey = privateDER.withUnsafeBytes({ try? OpenSSLKey.privateKey(pkcs8: Array($0)) })
        else {
            throw KMSError(.invalidImportToken, "Import token is invalid.")
        }
        wrappingKeyCache[id] = CachedWrappingKey(keyID: key.id, expiresAt: stored.expiresAt, key: privateKey)
        return privateKey
    }

    /// Asymmetric and HMAC keys hold one material forever: the first import sets it, later ones must bring the same.
    static func applySingleMaterialImport(
        _ record: inout KeyRecord, materialID: KeyMaterialID, now: Date, model: ExpirationModel, validTo: Date?
    ) throws(KMSError) {
        if let existing = record.materials.first {
            guard existing.id == materialID else {
                throw KMSError(.incorrectKeyMaterial, "The key material does not match the key material previously imported into \(record.arn).")
            }
        } else {
            record.materials = [MaterialInfo(id: materialID, state: .current, createdAt: now)]
        }
        record.materials[0].importState = .imported
        record.materials[0].expirationModel = model
        record.materials[0].validTo = validTo
    }

    /// Symmetric keys: reimport of an associated material, the first material, or one staged material (spec §4.2, §6).
    static func applySymmetricImport(
        _ record: inout KeyRecord, materialID: KeyMaterialID, request: ImportKeyMaterialRequest, now: Date, model: ExpirationModel,
        stagedState: MaterialInfo.State = .pendingRotation
    ) throws(KMSError) {
        let importType = request.importType ?? (record.materials.isEmpty ? .newKeyMaterial : .existingKeyMaterial)
        let index: Int
        switch importType {
        case .existingKeyMaterial:
            if let named = request.keyMaterialID, named != materialID {
                throw KMSError(.incorrectKeyMaterial, "The key material does not match the KeyMaterialId \(named).")
            }
            guard let found = record.materials.firstIndex(where: { $0.id == materialID }) else {
                throw KMSError(
                    .incorrectKeyMaterial,
                    "The key material (id: \(materialID)) is not associated with \(record.arn). Use ImportType NEW_KEY_MATERIAL to import new key material."
                )
            }
            index = found
        case .newKeyMaterial:
            if record.materials.contains(where: { $0.id == materialID }) {
                throw KMSError(
                    .incorrectKeyMaterial,
                    "Expected new key material but the key material being imported (id: \(materialID)) is already associated with \(record.arn)."
                )
            }
            if let staged = record.materials.first(where: { !$0.isPermanentlyAssociated }) {
                throw KMSError.invalidState(
                    "New key material (id: \(materialID)) cannot be imported into KMS key \(record.id.rawValue), because another key material (id: \(staged.id)) is pending rotation."
                )
            }
            let state: MaterialInfo.State = record.materials.isEmpty ? .current : stagedState
            record.materials.append(MaterialInfo(id: materialID, state: state, createdAt: now))
            index = record.materials.count - 1
        }
        record.materials[index].importState = .imported
        record.materials[index].expirationModel = model
        record.materials[index].validTo = request.validTo
        if let description = request.keyMaterialDescription { record.materials[index].description = description }
    }

    static func iso8601(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
