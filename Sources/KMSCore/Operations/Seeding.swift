import Foundation

/// A declaration checked against the rules and the store, ready to apply.
public struct PreparedKey: Sendable {
    public enum Action: Sendable, Equatable {
        /// The key does not exist: it will be created.
        case create
        /// The key exists and matches; `drift` lists the mutable properties that differ (left alone).
        case keep(drift: [String])
    }

    public var declaration: KeyDeclaration
    public var action: Action
    fileprivate var material: KeyMaterial?
}

extension KMSService {
    /// Checks a key declaration without writing: the rules CreateKey and ImportKeyMaterial apply, then the store.
    /// - Throws: the reason the declaration is invalid, or conflicts with the key already stored under its ID.
    public func prepare(_ declaration: KeyDeclaration) async throws(KMSError) -> PreparedKey {
        let spec = declaration.keySpec
        let usage = try Self.declaredUsage(declaration)
        switch declaration.origin {
        case .awsKMS:
            if declaration.validTo != nil { throw KMSError.validation("validTo applies to EXTERNAL keys only.") }
        case .external:
            if !KeySpecRules.supportsImport(spec) { throw KMSError.unsupported("Importing \(spec.rawValue) key material is not supported.") }
        case .awsCloudHSM, .externalKeyStore:
            throw KMSError.unsupported("Origin \(declaration.origin.rawValue) needs a custom key store; Coffer has none.")
        }
        if let reason = KeySpecRules.unsupportedReason(spec) { throw KMSError.unsupported(reason) }
        _ = try TagRules.validate(declaration.tags.map { WireTag(tagKey: $0.key, tagValue: $0.value) })
        if let policy = declaration.policy { _ = try PolicyRules.validate(policy) }
        var material: KeyMaterial?
        if let bytes = declaration.material {
            material = try ImportWrapping.canonicalMaterial(KeyMaterial(unsafeBytes: bytes), for: spec)
        }

        guard let existing = try await store.key(declaration.keyID, in: declaration.scope) else {
            return PreparedKey(declaration: declaration, action: .create, material: material)
        }
        func conflict(_ what: String, stored: String, declared: String) -> KMSError {
            KMSError(.alreadyExists, "key \(declaration.keyID.rawValue) already exists with \(what) \(stored), not \(declared).")
        }
        if existing.keySpec != spec { throw conflict("keySpec", stored: existing.keySpec.rawValue, declared: spec.rawValue) }
        if existing.keyUsage != usage { throw conflict("keyUsage", stored: existing.keyUsage.rawValue, declared: usage.rawValue) }
        if existing.origin != declaration.origin {
            throw conflict("origin", stored: existing.origin.rawValue, declared: declaration.origin.rawValue)
        }
        if let material {
            let materialID = material.materialID(for: declaration.keyID)
            guard existing.materials.contains(where: { $0.id == materialID }) else {
                throw KMSError(.alreadyExists, "key \(declaration.keyID.rawValue) already exists with other key material.")
            }
        }
        var drift: [String] = []
        if existing.description != declaration.description { drift.append("description") }
        if existing.enabled != declaration.enabled && existing.state != .pendingImport { drift.append("enabled") }
        if Set(existing.tags) != Set(declaration.tags) { drift.append("tags") }
        if let policy = declaration.policy, existing.policy != policy { drift.append("policy") }
        if existing.deletionDate != nil { drift.append("pending deletion") }
        return PreparedKey(declaration: declaration, action: .keep(drift: drift), material: material)
    }

    /// Creates a prepared key (a kept key is left alone).
    public func apply(_ prepared: PreparedKey) async throws(KMSError) {
        guard prepared.action == .create else { return }
        let declaration = prepared.declaration
        let spec = declaration.keySpec
        let now = clock.now()
        var record = KeyRecord(
            id: declaration.keyID, scope: declaration.scope, creationDate: now, description: declaration.description,
            keySpec: spec, keyUsage: try Self.declaredUsage(declaration), origin: declaration.origin, multiRegion: declaration.keyID.isMultiRegion,
            enabled: declaration.enabled, policy: declaration.policy ?? PolicyRules.defaultPolicy(for: declaration.scope),
            tags: declaration.tags, materials: []
        )
        if declaration.keyID.isMultiRegion { record.primaryRegion = declaration.scope.region }
        var material = prepared.material
        if material == nil, declaration.origin == .awsKMS {
            material = spec.isRSA
                ? try await HeavyWork.run { () throws(KMSError) in try KeyMaterial.generate(for: spec) }
                : try KeyMaterial.generate(for: spec)
        }
        var sealed: [SealedMaterial] = []
        if let material {
            let materialID = material.materialID(for: declaration.keyID)
            sealed.append(SealedMaterial(
                keyID: declaration.keyID, materialID: materialID, sealed: try sealer.seal(material, keyARN: record.arn, materialID: materialID)
            ))
            var info = MaterialInfo(id: materialID, state: .current, createdAt: now)
            if declaration.origin == .external {
                let model: ExpirationModel = declaration.validTo == nil ? .keyMaterialDoesNotExpire : .keyMaterialExpires
                info.importState = .imported
                info.expirationModel = model
                info.validTo = declaration.validTo
                record.lastExpirationModel = model
            }
            record.materials = [info]
        }
        try await store.insertKey(record, materials: sealed)
    }

    /// Checks an alias declaration: its target must be declared or stored; an existing alias must point there.
    /// - Returns: true when the alias must be created.
    public func prepare(_ alias: AliasDeclaration, declaredKeys: Set<KeyID>) async throws(KMSError) -> Bool {
        if alias.name.isReserved { throw KMSError(.notAuthorized, "alias/aws/ names are reserved for AWS managed keys.") }
        _ = try Self.customerAliasName(alias.name.rawValue)
        if let existing = try await store.alias(alias.name, in: alias.scope) {
            guard existing.targetKeyID == alias.targetKeyID else {
                throw KMSError(
                    .alreadyExists, "\(alias.name.rawValue) already exists and points to \(existing.targetKeyID.rawValue), not \(alias.targetKeyID.rawValue)."
                )
            }
            return false
        }
        if !declaredKeys.contains(alias.targetKeyID), try await store.key(alias.targetKeyID, in: alias.scope) == nil {
            throw KMSError.notFound("targetKeyId \(alias.targetKeyID.rawValue) is neither declared nor stored in \(alias.scope.accountID)/\(alias.scope.region).")
        }
        return true
    }

    /// Creates a prepared alias.
    public func apply(_ alias: AliasDeclaration) async throws(KMSError) {
        let now = clock.now()
        try await store.insertAlias(
            AliasRecord(name: alias.name, scope: alias.scope, targetKeyID: alias.targetKeyID, creationDate: now, lastUpdatedDate: now), limit: 50
        )
    }

    static func declaredUsage(_ declaration: KeyDeclaration) throws(KMSError) -> KeyUsage {
        let spec = declaration.keySpec
        let usage: KeyUsage
        if let declared = declaration.keyUsage {
            usage = declared
        } else if spec == .symmetricDefault {
            usage = .encryptDecrypt
        } else if spec.rawValue.hasPrefix("HMAC") {
            usage = .generateVerifyMac
        } else {
            throw KMSError.validation("keyUsage is required for \(spec.rawValue) keys.")
        }
        guard KeySpecRules.allowedUsages(spec).contains(usage) else {
            throw KMSError.validation("keyUsage \(usage.rawValue) is not compatible with keySpec \(spec.rawValue).")
        }
        return usage
    }
}
