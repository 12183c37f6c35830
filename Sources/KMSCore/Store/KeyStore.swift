import Foundation

/// Durable storage for keys, sealed materials and aliases. Every method is atomic; `updateKey` is a
/// read-modify-write that never loses a concurrent update. Implementations translate their driver's
/// errors: a unique violation becomes `AlreadyExistsException`, anything else `KMSInternalException`.
/// Nothing here is SQLite-specific: the PostgreSQL store implements the same contract.
public protocol KeyStore: Sendable {
    /// Throws unless the store answers now (readiness): a cheap read, plus whatever the store can check cheaply.
    func healthCheck() async throws(KMSError)
    /// Inserts a new key with its sealed materials, in one transaction.
    func insertKey(_ key: KeyRecord, materials: [SealedMaterial]) async throws(KMSError)
    /// The key with this ID in this scope, or nil.
    func key(_ id: KeyID, in scope: Scope) async throws(KMSError) -> KeyRecord?
    /// Like `updateKey`, and also inserts or deletes sealed materials in the same transaction.
    func updateKey(
        _ id: KeyID, in scope: Scope,
        _ mutate: @escaping @Sendable (inout KeyRecord, inout MaterialChanges) throws(KMSError) -> Void
    ) async throws(KMSError) -> KeyRecord
    /// Keys (of every scope) with a material whose ValidTo is at or before `date`.
    func keysWithExpiringMaterial(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)]
    /// The keys with this ID in every Region of an account (a multi-Region key and its replicas), in Region order.
    func relatedKeys(_ id: KeyID, accountID: String) async throws(KMSError) -> [KeyRecord]
    /// Keys (of every scope) whose `rotationDue` is at or before `date`, earliest first.
    func keysDueForRotation(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)]

    /// Records key usages: per key the one with the latest timestamp is kept; usages of keys that no longer exist are
    /// dropped. Deleted with their key.
    func recordUsages(_ usages: [KeyUsageRecord]) async throws(KMSError)
    /// The last recorded usage of a key, or nil.
    func usage(of keyID: KeyID, in scope: Scope) async throws(KMSError) -> KeyUsageRecord?
    /// Stores a wrapping key issued by GetParametersForImport.
    func insertWrappingKey(_ key: StoredWrappingKey) async throws(KMSError)
    /// A wrapping key by ID, or nil once deleted.
    func wrappingKey(_ id: String) async throws(KMSError) -> StoredWrappingKey?
    /// Deletes wrapping keys that expired at or before `date`; returns how many.
    func deleteWrappingKeys(expiredAt date: Date) async throws(KMSError) -> Int
    /// Removes a key with its materials and aliases. Removing a missing key is not an error.
    func deleteKey(_ id: KeyID, in scope: Scope) async throws(KMSError)
    /// Keys of a scope in key-ID order, strictly after `after`, at most `limit`.
    func keys(in scope: Scope, after: KeyID?, limit: Int) async throws(KMSError) -> [KeyRecord]
    /// Keys (of every scope) whose deletion date is at or before `date`.
    func keysDueForDeletion(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)]
    /// The sealed bytes of one material.
    func sealedMaterial(keyID: KeyID, materialID: KeyMaterialID, in scope: Scope) async throws(KMSError) -> SealedMaterial?

    /// Inserts an alias, counting the target key's aliases and inserting in one transaction.
    /// - Throws: `AlreadyExistsException` when the name is taken in the scope, `LimitExceededException` when the key
    ///   already has `limit` aliases.
    func insertAlias(_ alias: AliasRecord, limit: Int) async throws(KMSError)
    func alias(_ name: AliasName, in scope: Scope) async throws(KMSError) -> AliasRecord?
    /// Points an existing alias at another key. - Throws: `NotFoundException` when the alias is missing.
    func retargetAlias(_ name: AliasName, in scope: Scope, to keyID: KeyID, at date: Date) async throws(KMSError)
    /// Deletes an alias; returns false when it did not exist.
    func deleteAlias(_ name: AliasName, in scope: Scope) async throws(KMSError) -> Bool
    /// Aliases of a scope in name order, optionally only those of one key, strictly after `after`, at most `limit`.
    func aliases(in scope: Scope, targetKeyID: KeyID?, after: AliasName?, limit: Int) async throws(KMSError) -> [AliasRecord]
    /// Number of aliases pointing at a key.
    func aliasCount(for keyID: KeyID, in scope: Scope) async throws(KMSError) -> Int

    /// Inserts a grant. - Throws: `LimitExceededException` when its key already has `limit` grants; `NotFoundException`
    /// when the key does not exist.
    func insertGrant(_ grant: GrantRecord, limit: Int) async throws(KMSError)
    /// The grants of a key, oldest first (then by grant ID).
    func grants(forKey keyID: KeyID, in scope: Scope) async throws(KMSError) -> [GrantRecord]
    /// Deletes a grant; returns false when it did not exist.
    func deleteGrant(_ grantID: String, keyID: KeyID, in scope: Scope) async throws(KMSError) -> Bool
    /// Grants (on keys of every account) in a Region whose retiring principal is `principal`, oldest first.
    func grants(retiringPrincipal principal: String, region: String) async throws(KMSError) -> [GrantRecord]

    /// Every (account, Region) that holds a key, for copying a whole store (`coffer store copy`).
    func scopes() async throws(KMSError) -> [Scope]
    /// Every sealed material of a key.
    func sealedMaterials(keyID: KeyID, in scope: Scope) async throws(KMSError) -> [SealedMaterial]
    /// Every stored wrapping key (unexpired import parameters).
    func wrappingKeys() async throws(KMSError) -> [StoredWrappingKey]

    /// Store-wide metadata (e.g. the root-key check value).
    func metaValue(_ name: String) async throws(KMSError) -> [UInt8]?
    func setMetaValue(_ name: String, _ value: [UInt8]) async throws(KMSError)
    /// Stores `value` unless `name` already has one, atomically; returns the stored value (the first writer's, when
    /// several nodes start together).
    func insertMetaValueIfAbsent(_ name: String, _ value: [UInt8]) async throws(KMSError) -> [UInt8]
}

extension KeyStore {
    public func healthCheck() async throws(KMSError) {
        _ = try await metaValue("coffer-health-check")
    }

    /// Inserts an alias with no per-key limit.
    public func insertAlias(_ alias: AliasRecord) async throws(KMSError) {
        try await insertAlias(alias, limit: .max)
    }

    public static func aliasLimitExceeded(_ alias: AliasRecord, limit: Int) -> KMSError {
        KMSError(.limitExceeded, "The number of aliases for \(alias.scope.keyARN(alias.targetKeyID)) exceeds the limit of \(limit).")
    }

    public func updateKey(
        _ id: KeyID, in scope: Scope, _ mutate: @escaping @Sendable (inout KeyRecord) throws(KMSError) -> Void
    ) async throws(KMSError) -> KeyRecord {
        try await updateKey(id, in: scope) { (record: inout KeyRecord, _: inout MaterialChanges) throws(KMSError) in
            try mutate(&record)
        }
    }
}

extension KeyStore {
    /// Every key of every scope, a page at a time (for copying and verifying whole stores).
    public func forEachKey(_ body: (KeyRecord) async throws -> Void) async throws {
        for scope in try await scopes() {
            var after: KeyID?
            while true {
                let page = try await keys(in: scope, after: after, limit: 200)
                guard let last = page.last else { break }
                after = last.id
                for key in page { try await body(key) }
            }
        }
    }
}
