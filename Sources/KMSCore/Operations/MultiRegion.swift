import Foundation

public struct ReplicateKeyRequest: Decodable, Sendable {
    var keyID: String
    var replicaRegion: String
    var policy: String?
    var bypassPolicyLockoutSafetyCheck: Bool?
    var description: String?
    var tags: [WireTag]?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", replicaRegion = "ReplicaRegion", policy = "Policy"
        case bypassPolicyLockoutSafetyCheck = "BypassPolicyLockoutSafetyCheck", description = "Description", tags = "Tags"
    }
}

public struct ReplicateKeyResponse: Encodable, Sendable {
    var replicaKeyMetadata: KeyMetadata
    var replicaPolicy: String
    var replicaTags: [WireTag]
    enum CodingKeys: String, CodingKey { case replicaKeyMetadata = "ReplicaKeyMetadata", replicaPolicy = "ReplicaPolicy", replicaTags = "ReplicaTags" }
}

public struct UpdatePrimaryRegionRequest: Decodable, Sendable {
    var keyID: String
    var primaryRegion: String
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", primaryRegion = "PrimaryRegion" }
}

/// Multi-Region keys (spec authorization-and-wave2.md §2, import spec §7): one record per Region with the same key ID,
/// each knowing its primary's Region. Shared properties (spec, usage, origin, materials, automatic rotation) are
/// copied to every related key when they change on the primary; independent ones (description, policy, aliases, tags,
/// grants, enabled state, deletion) stay per Region. Nothing lives in process memory: several nodes on one database
/// see the same keys.
extension KMSService {
    /// KeyMetadata with the multi-Region configuration every Region shows alike.
    func metadata(_ key: KeyRecord) async throws(KMSError) -> KeyMetadata {
        guard key.multiRegion else { return KeyMetadata(key) }
        return KeyMetadata(key, related: try await store.relatedKeys(key.id, accountID: key.scope.accountID))
    }

    /// The related keys of `key` in the other Regions.
    func otherRegions(of key: KeyRecord) async throws(KMSError) -> [KeyRecord] {
        guard key.multiRegion else { return [] }
        return try await store.relatedKeys(key.id, accountID: key.scope.accountID).filter { $0.scope.region != key.scope.region }
    }

    static func notPrimary(_ key: KeyRecord) -> KMSError {
        KMSError.unsupported("\(key.arn) is not a multi-region primary key.")
    }

    /// [ReplicateKey](https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html): a replica with the same
    /// key ID in another Region of the same partition. AWS_KMS keys bring every material (sealed again for the replica's
    /// ARN); EXTERNAL keys bring only their material IDs, so the replica is PendingImport until the same material is
    /// imported into it.
    public func replicateKey(_ request: ReplicateKeyRequest, caller: Caller) async throws(KMSError) -> ReplicateKeyResponse {
        let primary = try await authorizedKey(request.keyID, caller: caller, operation: .replicateKey, allowAlias: false)
        guard primary.multiRegion, !primary.isReplica else { throw Self.notPrimary(primary) }
        try KeyStateRules.check(.replicateKey, primary)
        let region = request.replicaRegion
        guard region != primary.scope.region else {
            throw KMSError.validation("ReplicaRegion \(region) is the Region of the primary key; choose another Region.")
        }
        guard Caller.partition(forRegion: region) == primary.scope.partition else {
            throw KMSError.validation("ReplicaRegion \(region) is not in the partition of the primary key (\(primary.scope.partition)).")
        }
        let scope = Scope(partition: primary.scope.partition, accountID: primary.scope.accountID, region: region)
        // CreateKey in the replica's Region (identity policy), and TagResource when tagging.
        var inReplicaRegion = caller
        inReplicaRegion.scope.region = region
        var facts = RequestFacts()
        facts.set("kms:KeySpec", primary.keySpec.rawValue)
        facts.set("kms:KeyUsage", primary.keyUsage.rawValue)
        facts.set("kms:KeyOrigin", primary.origin.rawValue)
        facts.set("kms:MultiRegion", true)
        facts.set("kms:MultiRegionKeyType", "REPLICA")
        facts.set("kms:ReplicaRegion", region)
        facts.setRequestTags(request.tags?.map { Tag(key: $0.tagKey, value: $0.tagValue) })
        try authorize(action: "kms:CreateKey", caller: inReplicaRegion, facts: facts)
        if let tags = request.tags, !tags.isEmpty {
            try authorize(action: "kms:TagResource", resource: "", caller: inReplicaRegion, facts: facts)
        }
        if let existing = try await store.key(primary.id, in: scope) {
            throw KMSError(.alreadyExists, "Key '\(existing.arn)' already exists")
        }
        let tags = try TagRules.validate(request.tags ?? [])
        let policy: String
        if let supplied = request.policy {
            let document = try PolicyRules.validate(supplied)
            try checkLockout(
                document, keyARN: scope.keyARN(primary.id), keyAccount: scope.accountID, caller: inReplicaRegion,
                bypass: request.bypassPolicyLockoutSafetyCheck
            )
            policy = supplied
        } else {
            policy = PolicyRules.defaultPolicy(for: scope)
        }

        let now = clock.now()
        var replica = KeyRecord(
            id: primary.id, scope: scope, creationDate: now, description: request.description ?? "", keySpec: primary.keySpec,
            keyUsage: primary.keyUsage, origin: primary.origin, multiRegion: true, enabled: primary.origin == .awsKMS, policy: policy,
            tags: tags, materials: []
        )
        replica.primaryRegion = primary.scope.region
        Self.copyRotationSettings(from: primary, to: &replica)
        var sealed: [SealedMaterial] = []
        for info in primary.materials {
            var copy = info
            if primary.origin == .awsKMS {
                let material = try await material(primary, id: info.id)
                sealed.append(
                    SealedMaterial(keyID: primary.id, materialID: info.id, sealed: try sealer.seal(material, keyARN: replica.arn, materialID: info.id))
                )
            } else {
                // Only the ID (and description) travels: the replica must import the same material itself, and a
                // staged material waits for that import.
                copy.importState = .pendingImport
                if !info.isPermanentlyAssociated { copy.state = .pendingMultiRegionImportAndRotation }
                copy.expirationModel = nil
                copy.validTo = nil
            }
            replica.materials.append(copy)
        }
        try await store.insertKey(replica, materials: sealed)
        caller.trail?.touched(replica)
        try await restageMaterials(of: primary)
        if primary.primaryRegion == nil {
            _ = try await store.updateKey(primary.id, in: primary.scope) { (record: inout KeyRecord) throws(KMSError) in
                if record.primaryRegion == nil { record.primaryRegion = record.scope.region }
            }
        }
        // AWS answers while the replica is still being created: Creating, not enabled, no current material yet.
        var shown = try await metadata(replica)
        shown.keyState = .creating
        shown.enabled = false
        shown.currentKeyMaterialID = nil
        shown.expirationModel = nil
        shown.validTo = nil
        return ReplicateKeyResponse(
            replicaKeyMetadata: shown, replicaPolicy: policy, replicaTags: tags.map { WireTag(tagKey: $0.key, tagValue: $0.value) }
        )
    }

    /// [UpdatePrimaryRegion](https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html): the replica
    /// in `PrimaryRegion` becomes the primary and the primary a replica; every other replica follows the new primary.
    /// Both keys must be Enabled. The change is made key by key: for an instant both show as replicas, as AWS says.
    public func updatePrimaryRegion(_ request: UpdatePrimaryRegionRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let primary = try await authorizedKey(request.keyID, caller: caller, operation: .updatePrimaryRegion, allowAlias: false)
        guard primary.multiRegion, !primary.isReplica else { throw Self.notPrimary(primary) }
        try KeyStateRules.check(.updatePrimaryRegion, primary)
        let related = try await store.relatedKeys(primary.id, accountID: primary.scope.accountID)
        guard request.primaryRegion != primary.scope.region else {
            throw KMSError.validation("\(primary.arn) is already the primary key in \(request.primaryRegion).")
        }
        guard let target = related.first(where: { $0.scope.region == request.primaryRegion }) else {
            let arn = Scope(partition: primary.scope.partition, accountID: primary.scope.accountID, region: request.primaryRegion).keyARN(primary.id)
            throw KMSError.notFound("Key '\(arn)' does not exist")
        }
        try await authorize(key: target, action: "kms:UpdatePrimaryRegion", caller: caller, facts: RequestFacts())
        try KeyStateRules.check(.updatePrimaryRegion, target)
        let newRegion = request.primaryRegion
        // The old primary first (both are replicas for an instant), then the new one, then the other replicas.
        let ordered = [primary] + [target] + related.filter { $0.scope.region != primary.scope.region && $0.scope.region != newRegion }
        for key in ordered {
            _ = try await store.updateKey(key.id, in: key.scope) { (record: inout KeyRecord) throws(KMSError) in
                record.primaryRegion = newRegion
            }
        }
        return EmptyResponse()
    }

    /// After a replica is deleted: a primary waiting in PendingReplicaDeletion with no replica left starts its window.
    func replicaDeleted(_ replica: KeyRecord, at now: Date) async throws(KMSError) {
        let related = try await store.relatedKeys(replica.id, accountID: replica.scope.accountID)
        if let primary = related.first(where: { !$0.isReplica }) { try await restageMaterials(of: primary) }
        guard let primary = related.first(where: { !$0.isReplica }), primary.awaitingReplicaDeletion == true, related.count == 1 else { return }
        _ = try await store.updateKey(primary.id, in: primary.scope) { (record: inout KeyRecord) throws(KMSError) in
            guard record.awaitingReplicaDeletion == true else { return }
            record.awaitingReplicaDeletion = nil
            record.deletionDate = now.addingTimeInterval(Self.days(record.pendingWindowInDays ?? 30))
        }
    }

    static func copyRotationSettings(from primary: KeyRecord, to record: inout KeyRecord) {
        record.rotationPeriodInDays = primary.rotationPeriodInDays
        record.nextRotationDate = primary.nextRotationDate
        record.rotationScheduleBase = primary.rotationScheduleBase
    }

    /// Copies the primary's automatic-rotation settings to its replicas (a shared property).
    func syncRotationSettings(of primary: KeyRecord) async throws(KMSError) {
        for replica in try await otherRegions(of: primary) {
            report(.synchronizeMultiRegionKey, scope: replica.scope, keyID: replica.id)
            _ = try await store.updateKey(replica.id, in: replica.scope) { (record: inout KeyRecord) throws(KMSError) in
                Self.copyRotationSettings(from: primary, to: &record)
            }
        }
    }

    /// After an AWS_KMS primary rotated to `material`: every replica gets it (sealed for its own ARN) as its current
    /// material, with the same rotation facts, and the primary's rotation settings.
    func syncRotation(of primary: KeyRecord, material: KeyMaterial, materialID: KeyMaterialID) async throws(KMSError) {
        guard let info = primary.materials.first(where: { $0.id == materialID }) else { return }
        for replica in try await otherRegions(of: primary) {
            report(.synchronizeMultiRegionKey, scope: replica.scope, keyID: replica.id)
            let sealed = SealedMaterial(
                keyID: replica.id, materialID: materialID, sealed: try sealer.seal(material, keyARN: replica.arn, materialID: materialID)
            )
            _ = try await store.updateKey(replica.id, in: replica.scope) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
                guard !record.materials.contains(where: { $0.id == materialID }) else { return }
                for index in record.materials.indices where record.materials[index].state == .current {
                    record.materials[index].state = .nonCurrent
                }
                record.materials.append(info)
                changes.upsert.append(sealed)
                Self.copyRotationSettings(from: primary, to: &record)
                record.onDemandRotations = primary.onDemandRotations
            }
        }
    }
}

extension KMSService {
    /// After an EXTERNAL primary promoted its staged material `materialID` (RotateKeyOnDemand): every replica, which
    /// imported it already (the material was PENDING_ROTATION only once all had), makes it current too.
    func syncPromotion(of primary: KeyRecord, materialID: KeyMaterialID) async throws(KMSError) {
        guard let info = primary.materials.first(where: { $0.id == materialID }) else { return }
        for replica in try await otherRegions(of: primary) {
            report(.synchronizeMultiRegionKey, scope: replica.scope, keyID: replica.id)
            _ = try await store.updateKey(replica.id, in: replica.scope) { (record: inout KeyRecord) throws(KMSError) in
                guard let index = record.materials.firstIndex(where: { $0.id == materialID }), record.materials[index].state != .current else { return }
                for other in record.materials.indices where record.materials[other].state == .current {
                    record.materials[other].state = .nonCurrent
                }
                record.materials[index].state = .current
                record.materials[index].rotationDate = info.rotationDate
                record.materials[index].rotationType = info.rotationType
                record.onDemandRotations = primary.onDemandRotations
            }
        }
    }

    /// After the primary deleted its staged material `materialID`: the replicas forget it too (import spec §7).
    func removeStagedMaterialFromReplicas(of primary: KeyRecord, materialID: KeyMaterialID) async throws(KMSError) {
        for replica in try await otherRegions(of: primary) {
            report(.synchronizeMultiRegionKey, scope: replica.scope, keyID: replica.id)
            _ = try await store.updateKey(replica.id, in: replica.scope) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
                guard let index = record.materials.firstIndex(where: { $0.id == materialID && !$0.isPermanentlyAssociated }) else { return }
                record.materials.remove(at: index)
                changes.delete.append(materialID)
            }
        }
    }

    /// Re-evaluates the staged materials of a multi-Region primary when its set of replicas changed: a new replica
    /// holds a PENDING_ROTATION material back until it imported it too; a deleted replica may release one.
    func restageMaterials(of primary: KeyRecord) async throws(KMSError) {
        guard primary.multiRegion, !primary.isReplica, primary.origin == .external else { return }
        let staged = primary.materials.filter { !$0.isPermanentlyAssociated }
        guard !staged.isEmpty else { return }
        let hasReplicas = try await !otherRegions(of: primary).isEmpty
        var updated = primary
        if hasReplicas {
            updated = try await store.updateKey(primary.id, in: primary.scope) { (record: inout KeyRecord) throws(KMSError) in
                for index in record.materials.indices where record.materials[index].state == .pendingRotation {
                    record.materials[index].state = .pendingMultiRegionImportAndRotation
                }
            }
        }
        for material in staged { try await syncImport(of: updated, materialID: material.id) }
    }

    /// After an import into a multi-Region key (import spec §7): new material on the primary is announced to every
    /// replica (its ID and description, never the material); once every replica has imported it, it is
    /// PENDING_ROTATION everywhere and the primary may rotate to it.
    func syncImport(of key: KeyRecord, materialID: KeyMaterialID) async throws(KMSError) {
        guard key.multiRegion, let info = key.materials.first(where: { $0.id == materialID }) else { return }
        let related = try await store.relatedKeys(key.id, accountID: key.scope.accountID)
        if !key.isReplica && info.state == .pendingMultiRegionImportAndRotation {
            for replica in related where replica.scope.region != key.scope.region {
                _ = try await store.updateKey(replica.id, in: replica.scope) { (record: inout KeyRecord) throws(KMSError) in
                    guard !record.materials.contains(where: { $0.id == materialID }) else { return }
                    var announced = MaterialInfo(id: materialID, state: .pendingMultiRegionImportAndRotation, createdAt: info.createdAt, importState: .pendingImport)
                    announced.description = info.description
                    record.materials.append(announced)
                }
            }
        }
        let everywhere = related.map { $0.scope.region == key.scope.region ? key : $0 }
        let allImported = everywhere.allSatisfy { record in
            record.materials.contains { $0.id == materialID && $0.importState == .imported }
        }
        guard allImported, everywhere.contains(where: { $0.materials.contains { $0.id == materialID && $0.state == .pendingMultiRegionImportAndRotation } }) else {
            return
        }
        for record in everywhere {
            _ = try await store.updateKey(record.id, in: record.scope) { (record: inout KeyRecord) throws(KMSError) in
                for index in record.materials.indices
                where record.materials[index].id == materialID && record.materials[index].state == .pendingMultiRegionImportAndRotation {
                    record.materials[index].state = .pendingRotation
                }
            }
        }
    }
}

extension Caller {
    /// The partition a Region belongs to.
    public static func partition(forRegion region: String) -> String {
        if region.hasPrefix("cn-") { return "aws-cn" }
        if region.hasPrefix("us-gov-") { return "aws-us-gov" }
        return "aws"
    }
}
