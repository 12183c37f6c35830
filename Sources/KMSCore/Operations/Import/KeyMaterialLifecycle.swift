import Foundation

public struct DeleteImportedKeyMaterialRequest: Decodable, Sendable {
    var keyID: String
    var keyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", keyMaterialID = "KeyMaterialId" }
}

public struct DeleteImportedKeyMaterialResponse: Encodable, Sendable {
    var keyID: String
    var keyMaterialID: KeyMaterialID?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", keyMaterialID = "KeyMaterialId" }
}

public struct RotateKeyOnDemandResponse: Encodable, Sendable {
    var keyID: String
    enum CodingKeys: String, CodingKey { case keyID = "KeyId" }
}

public struct ListKeyRotationsRequest: Decodable, Sendable {
    enum IncludeKeyMaterial: String, Codable, Sendable { case all = "ALL_KEY_MATERIAL", rotationsOnly = "ROTATIONS_ONLY" }
    var keyID: String
    var includeKeyMaterial: IncludeKeyMaterial?
    var limit: Int?
    var marker: String?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", includeKeyMaterial = "IncludeKeyMaterial", limit = "Limit", marker = "Marker" }
}

public struct ListKeyRotationsResponse: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        var keyID: String
        var keyMaterialID: KeyMaterialID
        var keyMaterialDescription: String?
        var importState: MaterialInfo.ImportState?
        var keyMaterialState: MaterialInfo.State
        var expirationModel: ExpirationModel?
        var validTo: Date?
        var rotationDate: Date?
        var rotationType: MaterialInfo.RotationType?
        enum CodingKeys: String, CodingKey {
            case keyID = "KeyId", keyMaterialID = "KeyMaterialId", keyMaterialDescription = "KeyMaterialDescription"
            case importState = "ImportState", keyMaterialState = "KeyMaterialState", expirationModel = "ExpirationModel"
            case validTo = "ValidTo", rotationDate = "RotationDate", rotationType = "RotationType"
        }
    }

    var rotations: [Entry]
    var nextMarker: String?
    var truncated: Bool
    enum CodingKeys: String, CodingKey { case rotations = "Rotations", nextMarker = "NextMarker", truncated = "Truncated" }
}

extension KMSService {
    static let maximumOnDemandRotations = 25

    /// [DeleteImportedKeyMaterial](https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteImportedKeyMaterial.html):
    /// the current material when no KeyMaterialId is given. A permanently associated material becomes PENDING_IMPORT (and
    /// the key PendingImport, unless pending deletion); a staged material is removed.
    public func deleteImportedKeyMaterial(
        _ request: DeleteImportedKeyMaterialRequest, caller: Caller
    ) async throws(KMSError) -> DeleteImportedKeyMaterialResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .deleteImportedKeyMaterial, allowAlias: false)
        try Self.requireExternal(key)
        let requested = request.keyMaterialID
        // A replica keeps the ID of a staged material its primary announced (it may import it again); the primary's
        // deletion of a staged material removes it everywhere (import spec §7).
        let isReplica = key.isReplica
        let updated = try await updateKey(key, for: .deleteImportedKeyMaterial) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
            let target: KeyMaterialID
            if let requested {
                guard record.materials.contains(where: { $0.id == requested }) else {
                    throw KMSError.notFound("Key material \(requested) is not associated with \(record.arn).")
                }
                target = requested
            } else if let current = record.currentMaterial {
                target = current.id
            } else {
                return
            }
            guard let index = record.materials.firstIndex(where: { $0.id == target }) else { return }
            if record.materials[index].isPermanentlyAssociated || isReplica {
                record.materials[index].importState = .pendingImport
                record.materials[index].expirationModel = nil
                record.materials[index].validTo = nil
            } else {
                record.materials.remove(at: index)
            }
            changes.delete.append(target)
        }
        if updated.multiRegion, !isReplica, let requested, !updated.materials.contains(where: { $0.id == requested }) {
            try await removeStagedMaterialFromReplicas(of: updated, materialID: requested)
        }
        let deleted = requested ?? updated.currentMaterial?.id
        return DeleteImportedKeyMaterialResponse(keyID: key.arn, keyMaterialID: deleted)
    }

    /// [RotateKeyOnDemand](https://docs.aws.amazon.com/kms/latest/APIReference/API_RotateKeyOnDemand.html): EXTERNAL keys
    /// promote the material in PENDING_ROTATION; AWS_KMS keys get fresh material. At most 25 per key.
    public func rotateKeyOnDemand(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> RotateKeyOnDemandResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .rotateKeyOnDemand, allowAlias: false)
        // The key state is checked before the key spec: a disabled RSA key is DisabledException (recorded by AWS).
        try KeyStateRules.check(.rotateKeyOnDemand, key)
        guard key.keySpec == .symmetricDefault else { throw KMSError.unsupported("") }
        guard !key.isReplica else { throw Self.replicaRotation(key) }
        let now = clock.now()
        var sealed: SealedMaterial?
        var generated: KeyMaterial?
        if key.origin == .awsKMS {
            let material = try KeyMaterial.generate(for: .symmetricDefault)
            let id = material.materialID(for: key.id)
            sealed = SealedMaterial(keyID: key.id, materialID: id, sealed: try sealer.seal(material, keyARN: key.arn, materialID: id))
            generated = material
        }
        let fresh = sealed
        let updated = try await updateKey(key, for: .rotateKeyOnDemand) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
            guard (record.onDemandRotations ?? 0) < Self.maximumOnDemandRotations else {
                throw KMSError(
                    .limitExceeded,
                    "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: \(record.arn)"
                )
            }
            let newIndex: Int
            if let fresh {
                record.materials.append(MaterialInfo(id: fresh.materialID, state: .pendingRotation, createdAt: now))
                newIndex = record.materials.count - 1
                changes.upsert.append(fresh)
            } else {
                guard let staged = record.materials.firstIndex(where: { $0.state == .pendingRotation }) else {
                    throw KMSError.invalidState("No available key material pending rotation for the key: \(record.arn).")
                }
                newIndex = staged
            }
            for index in record.materials.indices where record.materials[index].state == .current {
                record.materials[index].state = .nonCurrent
            }
            record.materials[newIndex].state = .current
            record.materials[newIndex].rotationDate = now
            record.materials[newIndex].rotationType = .onDemand
            record.onDemandRotations = (record.onDemandRotations ?? 0) + 1
        }
        if let generated, let fresh {
            try await syncRotation(of: updated, material: generated, materialID: fresh.materialID)
        } else if updated.multiRegion, let current = updated.currentMaterial {
            try await syncPromotion(of: updated, materialID: current.id)
        }
        return RotateKeyOnDemandResponse(keyID: key.arn)
    }

    /// [ListKeyRotations](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html): materials in the
    /// order they were associated with the key; ROTATIONS_ONLY (the default) lists only rotated-in materials.
    public func listKeyRotations(_ request: ListKeyRotationsRequest, caller: Caller) async throws(KMSError) -> ListKeyRotationsResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .listKeyRotations, allowAlias: false)
        guard key.keySpec == .symmetricDefault else {
            throw KMSError.unsupported("\(key.arn) key spec is \(key.keySpec.rawValue) which is not valid for ListKeyRotations.")
        }
        let external = key.origin == .external
        let all = (request.includeKeyMaterial ?? .rotationsOnly) == .all
        // `materials` is kept in association order (imports append).
        let listed = key.materials.filter { all || $0.rotationDate != nil }
        let limit = Pagination.limit(request.limit, default: 100, max: 1000)
        var start = 0
        if let marker = request.marker {
            guard let offset = Int(marker), offset >= 0, offset <= listed.count else {
                throw KMSError(.invalidMarker, "Invalid marker '\(marker)'")
            }
            start = offset
        }
        let page = listed[start...].prefix(limit)
        let end = start + page.count
        let truncated = end < listed.count
        return ListKeyRotationsResponse(
            rotations: page.map { material in
                let imported = material.importState == .imported
                return .init(
                    keyID: key.id.rawValue, keyMaterialID: material.id,
                    keyMaterialDescription: external ? material.description : nil,
                    importState: external ? material.importState : nil,
                    keyMaterialState: material.state,
                    expirationModel: external && imported ? material.expirationModel : nil,
                    validTo: external && imported ? material.validTo : nil,
                    rotationDate: material.rotationDate, rotationType: material.rotationType
                )
            },
            nextMarker: truncated ? String(end) : nil,
            truncated: truncated
        )
    }
}
