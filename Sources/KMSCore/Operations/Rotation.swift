import Foundation

public struct EnableKeyRotationRequest: Decodable, Sendable {
    var keyID: String
    var rotationPeriodInDays: Int?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", rotationPeriodInDays = "RotationPeriodInDays" }
}

public struct GetKeyRotationStatusResponse: Encodable, Sendable {
    var keyRotationEnabled: Bool
    var keyID: String
    var rotationPeriodInDays: Int?
    var nextRotationDate: Date?
    enum CodingKeys: String, CodingKey {
        case keyRotationEnabled = "KeyRotationEnabled", keyID = "KeyId", rotationPeriodInDays = "RotationPeriodInDays"
        case nextRotationDate = "NextRotationDate"
    }
}

extension KMSService {
    /// AWS's default and bounds for RotationPeriodInDays.
    static let defaultRotationPeriod = 365
    static let rotationPeriods = 90...2560

    /// [EnableKeyRotation](https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html): symmetric AWS_KMS
    /// keys; RotationPeriodInDays 90–2560 (default 365). Calling it again changes the period: the next rotation is then
    /// the last automatic rotation (or the enabling) plus the new period, never in the past.
    public func enableKeyRotation(_ request: EnableKeyRotationRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        var facts = RequestFacts()
        facts.set("kms:RotationPeriodInDays", request.rotationPeriodInDays)
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .enableKeyRotation, allowAlias: false, facts: facts)
        try KeyStateRules.check(.enableKeyRotation, key)
        try Self.requireAutomaticRotation(key)
        if let period = request.rotationPeriodInDays, !Self.rotationPeriods.contains(period) {
            let bound = period < Self.rotationPeriods.lowerBound ? "greater than or equal to 90" : "less than or equal to 2560"
            throw KMSError.validation(
                "1 validation error detected: Value '\(period)' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value \(bound)"
            )
        }
        guard !key.isReplica else { throw Self.replicaRotation(key) }
        let now = clock.now()
        let updated = try await updateKey(key, for: .enableKeyRotation) { (record: inout KeyRecord) throws(KMSError) in
            // The model: "If no value is specified, the default value is 365 days" — also on a key already rotating.
            let period = request.rotationPeriodInDays ?? Self.defaultRotationPeriod
            let base = record.rotationPeriodInDays == nil ? now : (record.rotationScheduleBase ?? now)
            record.rotationPeriodInDays = period
            record.rotationScheduleBase = base
            record.nextRotationDate = max(base.addingTimeInterval(Self.days(period)), now)
        }
        try await syncRotationSettings(of: updated)
        return EmptyResponse()
    }

    /// [DisableKeyRotation](https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKeyRotation.html)
    public func disableKeyRotation(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .disableKeyRotation, allowAlias: false)
        try KeyStateRules.check(.disableKeyRotation, key)
        try Self.requireAutomaticRotation(key)
        guard !key.isReplica else { throw Self.replicaRotation(key) }
        let updated = try await updateKey(key, for: .disableKeyRotation) { (record: inout KeyRecord) throws(KMSError) in
            record.rotationPeriodInDays = nil
            record.nextRotationDate = nil
            record.rotationScheduleBase = nil
        }
        try await syncRotationSettings(of: updated)
        return EmptyResponse()
    }

    /// [GetKeyRotationStatus](https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html): the period
    /// and next date only while rotation is enabled; a key pending deletion reports false (its setting comes back when
    /// the deletion is cancelled); EXTERNAL keys report false.
    public func getKeyRotationStatus(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> GetKeyRotationStatusResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .getKeyRotationStatus, allowAlias: false)
        try KeyStateRules.check(.getKeyRotationStatus, key)
        guard key.keySpec == .symmetricDefault else { throw Self.noAutomaticRotation(key) }
        guard let period = key.rotationPeriodInDays, key.origin == .awsKMS, key.state != .pendingDeletion else {
            return GetKeyRotationStatusResponse(keyRotationEnabled: false, keyID: key.id.rawValue)
        }
        return GetKeyRotationStatusResponse(
            keyRotationEnabled: true, keyID: key.id.rawValue, rotationPeriodInDays: period, nextRotationDate: key.nextRotationDate
        )
    }

    /// Rotates every key whose automatic rotation is due (`KeyRecord.rotationDue`). Called by the background work.
    /// - Returns: how many keys were rotated.
    public func rotateDueKeys(limit: Int = 500) async throws(KMSError) -> Int {
        let now = clock.now()
        var rotated = 0
        for (scope, id) in try await store.keysDueForRotation(at: now, limit: limit) {
            guard let key = try await store.key(id, in: scope), let due = key.rotationDue, due <= now else { continue }
            let material = try KeyMaterial.generate(for: .symmetricDefault)
            let materialID = material.materialID(for: key.id)
            let sealed = SealedMaterial(keyID: key.id, materialID: materialID, sealed: try sealer.seal(material, keyARN: key.arn, materialID: materialID))
            let updated = try await store.updateKey(id, in: scope) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
                // Re-checked under the row lock: another node (or a change of schedule) may have got there first.
                guard let period = record.rotationPeriodInDays, let due = record.rotationDue, due <= now else { return }
                for index in record.materials.indices where record.materials[index].state == .current {
                    record.materials[index].state = .nonCurrent
                }
                var info = MaterialInfo(id: materialID, state: .current, createdAt: now)
                info.rotationDate = now
                info.rotationType = .automatic
                record.materials.append(info)
                changes.upsert.append(sealed)
                record.rotationScheduleBase = now
                record.nextRotationDate = now.addingTimeInterval(Self.days(period))
            }
            if updated.currentMaterial?.id == materialID {
                rotated += 1
                report(.rotateKey, scope: scope, keyID: id)
                try await syncRotation(of: updated, material: material, materialID: materialID)
            }
        }
        return rotated
    }

    static func days(_ count: Int) -> TimeInterval { TimeInterval(count) * 86_400 }

    /// Automatic rotation is for symmetric keys with AWS_KMS material only.
    static func requireAutomaticRotation(_ key: KeyRecord) throws(KMSError) {
        if key.origin == .external { throw KeyStateRules.externalOrigin(key.arn) }
        guard key.keySpec == .symmetricDefault else { throw noAutomaticRotation(key) }
    }

    /// Rotation of a multi-Region key is managed on its primary (spec §2.7).
    static func replicaRotation(_ key: KeyRecord) -> KMSError {
        KMSError.unsupported("\(key.arn) is a multi-Region replica key. Manage its rotation on the primary key.")
    }

    static func noAutomaticRotation(_ key: KeyRecord) -> KMSError {
        KMSError.unsupported("\(key.arn) key spec is \(key.keySpec.rawValue) which is not valid for this operation.")
    }
}
