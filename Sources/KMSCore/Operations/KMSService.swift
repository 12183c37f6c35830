import Foundation
import Logging

/// The KMS operations, independent of HTTP. Holds the injected store, root-key sealer, clock and randomness.
public struct KMSService: Sendable {
    public let store: any KeyStore
    public let sealer: MaterialSealer
    public let clock: any KMSClock
    public let random: any RandomSource
    public let wrappingKeys: WrappingKeyPool
    /// Whether authorization decisions are enforced, only logged, or not evaluated.
    public let authorization: AuthorizationMode
    /// Where authorization denials (with their explanation) are logged.
    public let logger: Logger
    /// Unsealed materials and parsed asymmetric keys by (key ARN, material ID). A material's bytes never change for a
    /// given ID, and every use is gated by the key's current state, so these never serve a deleted material.
    let materials = LockedCache<MaterialSlot, KeyMaterial>(capacity: 10_000)
    let asymmetricKeys = LockedCache<MaterialSlot, AsymmetricKey>(capacity: 2_000)

    /// Parsed wrapping private keys by wrapping key ID (they expire with their import parameters).
    let wrappingKeyCache = LockedCache<String, CachedWrappingKey>(capacity: 1_000)

    /// Parsed key policies by key ARN, valid while the stored text is the same.
    let keyPolicies = LockedCache<String, CachedPolicy>(capacity: 10_000)
    /// Grant lists by (key ARN, grants version): a grant change bumps the key's version, so entries never go stale.
    let grantLists = LockedCache<GrantSlot, [GrantRecord]>(capacity: 2_000)
    /// Pending last-usage records (GetKeyLastUsage), written behind.
    let usage = UsageRecorder()
    /// Where background events (rotation, deletion, expiry, multi-Region synchronisation) are reported.
    public let serviceEvents: any ServiceEventSink

    struct CachedWrappingKey: Sendable {
        var keyID: KeyID
        var expiresAt: Date
        var key: OpenSSLKey
    }

    struct MaterialSlot: Hashable, Sendable {
        var keyARN: String
        var materialID: KeyMaterialID
    }

    public init(
        store: any KeyStore, sealer: MaterialSealer, clock: any KMSClock, random: any RandomSource,
        wrappingKeys: WrappingKeyPool = WrappingKeyPool(targets: [:]), authorization: AuthorizationMode = .enforce,
        logger: Logger = Logger(label: "coffer.authz"), serviceEvents: any ServiceEventSink = DiscardingServiceEventSink()
    ) {
        self.serviceEvents = serviceEvents
        self.authorization = authorization
        self.logger = logger
        self.store = store
        self.sealer = sealer
        self.clock = clock
        self.random = random
        self.wrappingKeys = wrappingKeys
    }

    /// The key if it exists and its deletion date has not passed. A key past its deletion date is purged.
    func liveKey(_ id: KeyID, scope: Scope) async throws(KMSError) -> KeyRecord {
        guard var record = try await store.key(id, in: scope) else {
            throw KMSError.notFound("Key '\(scope.keyARN(id))' does not exist")
        }
        if let deletionDate = record.deletionDate, deletionDate <= clock.now() {
            try await store.deleteKey(id, in: scope)
            report(.deleteKey, scope: scope, keyID: id)
            throw KMSError.notFound("Key '\(scope.keyARN(id))' does not exist")
        }
        record.expireMaterials(at: clock.now())
        return record
    }

    /// Applies a change to a key atomically, after the key-state check for `operation`.
    func updateKey(
        _ key: KeyRecord, for operation: OperationName, _ mutate: @escaping @Sendable (inout KeyRecord) throws(KMSError) -> Void
    ) async throws(KMSError) -> KeyRecord {
        try await updateKey(key, for: operation) { (record: inout KeyRecord, _: inout MaterialChanges) throws(KMSError) in
            try mutate(&record)
        }
    }

    /// Applies a change to a key and its sealed materials atomically. Material expiry is applied (and persisted) first;
    /// then the key-state check for `operation`, if any; then `mutate`.
    func updateKey(
        _ key: KeyRecord, for operation: OperationName?,
        _ mutate: @escaping @Sendable (inout KeyRecord, inout MaterialChanges) throws(KMSError) -> Void
    ) async throws(KMSError) -> KeyRecord {
        let now = clock.now()
        return try await store.updateKey(key.id, in: key.scope) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
            changes.delete.append(contentsOf: record.expireMaterials(at: now))
            if let operation { try KeyStateRules.check(operation, record) }
            try mutate(&record, &changes)
        }
    }

    /// Deletes expired key material (its sealed bytes) and expired wrapping keys. Called by the sweeper.
    /// - Returns: how many keys had material expire.
    public func expireDueMaterial(limit: Int = 500) async throws(KMSError) -> Int {
        let now = clock.now()
        _ = try await store.deleteWrappingKeys(expiredAt: now)
        let due = try await store.keysWithExpiringMaterial(at: now, limit: limit)
        for (scope, id) in due {
            _ = try await store.updateKey(id, in: scope) { (record: inout KeyRecord, changes: inout MaterialChanges) throws(KMSError) in
                changes.delete.append(contentsOf: record.expireMaterials(at: now))
            }
            report(.deleteExpiredKeyMaterial, scope: scope, keyID: id)
        }
        return due.count
    }

    func aliasTarget(_ name: AliasName, scope: Scope) async throws(KMSError) -> KeyID {
        guard let alias = try await store.alias(name, in: scope) else {
            throw KMSError.notFound("Alias \(scope.aliasARN(name)) is not found.")
        }
        return alias.targetKeyID
    }

    /// What one run of the background work did.
    public struct DueWork: Sendable, Equatable {
        public var deleted = 0
        public var expired = 0
        public var rotated = 0
    }

    /// The background work due now: keys past their deletion window are deleted, material past its ValidTo expires,
    /// due keys rotate. Run by the sweeper service, and at once by the development clock's AdvanceClock.
    public func runDueWork() async throws(KMSError) -> DueWork {
        var work = DueWork()
        work.deleted = try await purgeDueKeys()
        work.expired = try await expireDueMaterial()
        work.rotated = try await rotateDueKeys()
        return work
    }

    /// Moves the development clock forward by `seconds`, keeps the new offset in the store, then runs the work due at
    /// the new time. Not an AWS operation.
    public func advanceDevelopmentClock(_ clock: DevelopmentClock, by seconds: TimeInterval) async throws(KMSError) -> TimeInterval {
        guard seconds.isFinite, (0...DevelopmentClock.maximumStep).contains(seconds) else {
            throw KMSError.validation("Seconds must be a number from 0 to \(Int(DevelopmentClock.maximumStep)).")
        }
        let offset = clock.advance(by: seconds)
        try await store.setMetaValue(DevelopmentClock.offsetMetaName, MetaNumber.encode(offset))
        _ = try await runDueWork()
        return offset
    }

    /// Purges keys whose deletion window has passed. Called by the deletion sweeper service.
    /// - Returns: how many keys were deleted.
    public func purgeDueKeys(limit: Int = 500) async throws(KMSError) -> Int {
        let now = clock.now()
        let due = try await store.keysDueForDeletion(at: now, limit: limit)
        for (scope, id) in due {
            let replica = id.isMultiRegion ? try await store.key(id, in: scope) : nil
            try await store.deleteKey(id, in: scope)
            report(.deleteKey, scope: scope, keyID: id)
            if let replica, replica.isReplica { try await replicaDeleted(replica, at: now) }
        }
        return due.count
    }

    /// Reports a background event (the audit log's `AwsServiceEvent`).
    func report(_ name: ServiceEvent.Name, scope: Scope, keyID: KeyID) {
        serviceEvents.record(ServiceEvent(name: name, time: clock.now(), scope: scope, keyID: keyID))
    }
}
