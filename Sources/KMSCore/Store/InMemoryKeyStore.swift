import Foundation

/// A `KeyStore` in memory, for tests. Same contract as the durable stores.
public actor InMemoryKeyStore: KeyStore {
    private struct ScopedKey: Hashable {
        var account: String
        var region: String
        var keyID: KeyID
    }

    private struct ScopedAlias: Hashable {
        var account: String
        var region: String
        var name: AliasName
    }

    private var keyRecords: [ScopedKey: KeyRecord] = [:]
    private var materials: [ScopedKey: [KeyMaterialID: SealedMaterial]] = [:]
    private var aliasRecords: [ScopedAlias: AliasRecord] = [:]
    private var meta: [String: [UInt8]] = [:]
    private var wrappingKeyRecords: [String: StoredWrappingKey] = [:]
    private var grantRecords: [ScopedKey: [GrantRecord]] = [:]
    private var usages: [ScopedKey: KeyUsageRecord] = [:]

    public init() {}

    private func slot(_ id: KeyID, _ scope: Scope) -> ScopedKey {
        ScopedKey(account: scope.accountID, region: scope.region, keyID: id)
    }

    public func insertKey(_ key: KeyRecord, materials sealed: [SealedMaterial]) throws(KMSError) {
        let s = slot(key.id, key.scope)
        guard keyRecords[s] == nil else { throw KMSError(.alreadyExists, "Key \(key.arn) already exists.") }
        keyRecords[s] = key
        materials[s] = Dictionary(uniqueKeysWithValues: sealed.map { ($0.materialID, $0) })
    }

    public func key(_ id: KeyID, in scope: Scope) -> KeyRecord? { keyRecords[slot(id, scope)] }

    public func updateKey(
        _ id: KeyID, in scope: Scope, _ mutate: @escaping @Sendable (inout KeyRecord, inout MaterialChanges) throws(KMSError) -> Void
    ) throws(KMSError) -> KeyRecord {
        let s = slot(id, scope)
        guard var record = keyRecords[s] else { throw KMSError.notFound("Key '\(scope.keyARN(id))' does not exist") }
        var changes = MaterialChanges()
        try mutate(&record, &changes)
        keyRecords[s] = record
        var sealed = materials[s] ?? [:]
        for materialID in changes.delete { sealed[materialID] = nil }
        for material in changes.upsert { sealed[material.materialID] = material }
        materials[s] = sealed
        return record
    }

    public func keysWithExpiringMaterial(at date: Date, limit: Int) -> [(Scope, KeyID)] {
        let due = keyRecords.values.filter { ($0.nextExpiry ?? .distantFuture) <= date }.sorted { $0.id < $1.id }
        return due.prefix(limit).map { ($0.scope, $0.id) }
    }

    public func relatedKeys(_ id: KeyID, accountID: String) -> [KeyRecord] {
        keyRecords.values.filter { $0.id == id && $0.scope.accountID == accountID }.sorted { $0.scope.region < $1.scope.region }
    }

    public func keysDueForRotation(at date: Date, limit: Int) -> [(Scope, KeyID)] {
        let due = keyRecords.values.compactMap { record in record.rotationDue.map { (record, $0) } }.filter { $0.1 <= date }
        return due.sorted { ($0.1, $0.0.id) < ($1.1, $1.0.id) }.prefix(limit).map { ($0.0.scope, $0.0.id) }
    }

    public func recordUsages(_ recorded: [KeyUsageRecord]) {
        for usage in recorded {
            let s = slot(usage.keyID, usage.scope)
            guard keyRecords[s] != nil else { continue }
            if let existing = usages[s], existing.timestamp >= usage.timestamp { continue }
            usages[s] = usage
        }
    }

    public func usage(of keyID: KeyID, in scope: Scope) -> KeyUsageRecord? { usages[slot(keyID, scope)] }

    public func insertWrappingKey(_ key: StoredWrappingKey) { wrappingKeyRecords[key.id] = key }

    public func insertGrant(_ grant: GrantRecord, limit: Int) throws(KMSError) {
        let s = slot(grant.keyID, grant.scope)
        guard keyRecords[s] != nil else { throw KMSError.notFound("Key '\(grant.keyARN)' does not exist") }
        var list = grantRecords[s] ?? []
        guard list.count < limit else { throw KMSError(.limitExceeded, "The request was rejected because the key has reached the limit of \(limit) grants.") }
        guard !list.contains(where: { $0.grantID == grant.grantID }) else { throw KMSError(.alreadyExists, "The resource already exists.") }
        list.append(grant)
        grantRecords[s] = list
    }

    public func grants(forKey keyID: KeyID, in scope: Scope) -> [GrantRecord] {
        (grantRecords[slot(keyID, scope)] ?? []).sorted { ($0.creationDate, $0.grantID) < ($1.creationDate, $1.grantID) }
    }

    public func deleteGrant(_ grantID: String, keyID: KeyID, in scope: Scope) -> Bool {
        let s = slot(keyID, scope)
        guard let index = grantRecords[s]?.firstIndex(where: { $0.grantID == grantID }) else { return false }
        grantRecords[s]?.remove(at: index)
        return true
    }

    public func grants(retiringPrincipal principal: String, region: String) -> [GrantRecord] {
        grantRecords.filter { $0.key.region == region }.values.flatMap { $0 }.filter { $0.retiringPrincipal == principal }
            .sorted { ($0.creationDate, $0.grantID) < ($1.creationDate, $1.grantID) }
    }

    public func wrappingKey(_ id: String) -> StoredWrappingKey? { wrappingKeyRecords[id] }

    public func deleteWrappingKeys(expiredAt date: Date) -> Int {
        let expired = wrappingKeyRecords.values.filter { $0.expiresAt <= date }.map(\.id)
        for id in expired { wrappingKeyRecords[id] = nil }
        return expired.count
    }

    public func deleteKey(_ id: KeyID, in scope: Scope) {
        let s = slot(id, scope)
        keyRecords[s] = nil
        materials[s] = nil
        grantRecords[s] = nil
        usages[s] = nil
        aliasRecords = aliasRecords.filter { !($0.key.account == scope.accountID && $0.key.region == scope.region && $0.value.targetKeyID == id) }
    }

    public func keys(in scope: Scope, after: KeyID?, limit: Int) -> [KeyRecord] {
        let all = keyRecords.values
            .filter { $0.scope.accountID == scope.accountID && $0.scope.region == scope.region }
            .filter { record in after.map { record.id > $0 } ?? true }
            .sorted { $0.id < $1.id }
        return Array(all.prefix(limit))
    }

    public func keysDueForDeletion(at date: Date, limit: Int) -> [(Scope, KeyID)] {
        let due = keyRecords.values.filter { ($0.deletionDate ?? .distantFuture) <= date }.sorted { $0.id < $1.id }
        return due.prefix(limit).map { ($0.scope, $0.id) }
    }

    public func sealedMaterial(keyID: KeyID, materialID: KeyMaterialID, in scope: Scope) -> SealedMaterial? {
        materials[slot(keyID, scope)]?[materialID]
    }

    public func insertAlias(_ alias: AliasRecord, limit: Int) throws(KMSError) {
        let s = ScopedAlias(account: alias.scope.accountID, region: alias.scope.region, name: alias.name)
        if aliasCount(for: alias.targetKeyID, in: alias.scope) >= limit { throw Self.aliasLimitExceeded(alias, limit: limit) }
        guard aliasRecords[s] == nil else {
            throw KMSError(.alreadyExists, "An alias with the name \(alias.scope.aliasARN(alias.name)) already exists")
        }
        guard keyRecords[slot(alias.targetKeyID, alias.scope)] != nil else {
            throw KMSError.notFound("Key '\(alias.scope.keyARN(alias.targetKeyID))' does not exist")
        }
        aliasRecords[s] = alias
    }

    public func alias(_ name: AliasName, in scope: Scope) -> AliasRecord? {
        aliasRecords[ScopedAlias(account: scope.accountID, region: scope.region, name: name)]
    }

    public func retargetAlias(_ name: AliasName, in scope: Scope, to keyID: KeyID, at date: Date) throws(KMSError) {
        let s = ScopedAlias(account: scope.accountID, region: scope.region, name: name)
        guard var record = aliasRecords[s] else { throw KMSError.notFound("Alias \(scope.aliasARN(name)) is not found.") }
        record.targetKeyID = keyID
        record.lastUpdatedDate = date
        aliasRecords[s] = record
    }

    public func deleteAlias(_ name: AliasName, in scope: Scope) -> Bool {
        aliasRecords.removeValue(forKey: ScopedAlias(account: scope.accountID, region: scope.region, name: name)) != nil
    }

    public func aliases(in scope: Scope, targetKeyID: KeyID?, after: AliasName?, limit: Int) -> [AliasRecord] {
        let all = aliasRecords.values
            .filter { $0.scope.accountID == scope.accountID && $0.scope.region == scope.region }
            .filter { targetKeyID == nil || $0.targetKeyID == targetKeyID }
            .filter { record in after.map { record.name > $0 } ?? true }
            .sorted { $0.name < $1.name }
        return Array(all.prefix(limit))
    }

    public func aliasCount(for keyID: KeyID, in scope: Scope) -> Int {
        aliasRecords.values.filter { $0.scope.accountID == scope.accountID && $0.scope.region == scope.region && $0.targetKeyID == keyID }.count
    }

    public func metaValue(_ name: String) -> [UInt8]? { meta[name] }
    public func setMetaValue(_ name: String, _ value: [UInt8]) { meta[name] = value }

    public func scopes() -> [Scope] {
        Array(Set(keyRecords.keys.map { Scope(accountID: $0.account, region: $0.region) })).sorted { ($0.accountID, $0.region) < ($1.accountID, $1.region) }
    }

    public func sealedMaterials(keyID: KeyID, in scope: Scope) -> [SealedMaterial] {
        (materials[slot(keyID, scope)] ?? [:]).values.sorted { $0.materialID < $1.materialID }
    }

    public func wrappingKeys() -> [StoredWrappingKey] { wrappingKeyRecords.values.sorted { $0.id < $1.id } }

    public func insertMetaValueIfAbsent(_ name: String, _ value: [UInt8]) -> [UInt8] {
        if let existing = meta[name] { return existing }
        meta[name] = value
        return value
    }
}
