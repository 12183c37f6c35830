import Foundation
import KMSCore
import Testing

/// The `KeyStore` contract, written once and run against every store: `checks` lists every rule, each a function
/// of a fresh, empty store. A new store implementation runs them all with
/// `@Test(arguments: KeyStoreConformance.checks) func conformance(_ check: KeyStoreConformance.Check)`.
public enum KeyStoreConformance {
    /// One rule of the contract, named for test reports.
    public struct Check: Sendable, CustomTestStringConvertible {
        public let name: String
        public let run: @Sendable (any KeyStore) async throws -> Void

        init(_ name: String, _ run: @escaping @Sendable (any KeyStore) async throws -> Void) {
            self.name = name
            self.run = run
        }

        public var testDescription: String { name }
    }

    public static let checks: [Check] = [
        Check("relatedKeysAreTheSameIDInEveryRegionOfTheAccount", relatedKeysAreTheSameIDInEveryRegionOfTheAccount),
        Check("keysDueForRotationAreEnabledKeysWithRotationOnInDueOrder", keysDueForRotationAreEnabledKeysWithRotationOnInDueOrder),
        Check("usagesKeepTheLatestAndGoWithTheirKey", usagesKeepTheLatestAndGoWithTheirKey),
        Check("insertedKeysReadBackEqual", insertedKeysReadBackEqual),
        Check("insertingADuplicateKeyIsAlreadyExists", insertingADuplicateKeyIsAlreadyExists),
        Check("updateKeyAppliesTheMutation", updateKeyAppliesTheMutation),
        Check("updateKeyWritesNothingWhenTheMutationThrows", updateKeyWritesNothingWhenTheMutationThrows),
        Check("updatingAMissingKeyIsNotFound", updatingAMissingKeyIsNotFound),
        Check("materialsAreStoredPerKeyAndScope", materialsAreStoredPerKeyAndScope),
        Check("deleteKeyCascadesToMaterialsAndAliases", deleteKeyCascadesToMaterialsAndAliases),
        Check("keysPageInKeyIDOrderWithinAScope", keysPageInKeyIDOrderWithinAScope),
        Check("keysDueForDeletionAreThoseAtOrBeforeTheDate", keysDueForDeletionAreThoseAtOrBeforeTheDate),
        Check("aliasNamesAreUniquePerScope", aliasNamesAreUniquePerScope),
        Check("aliasesCanBeRetargetedListedCountedAndDeleted", aliasesCanBeRetargetedListedCountedAndDeleted),
        Check("grantsRoundTripRespectTheLimitAndGoWithTheirKey", grantsRoundTripRespectTheLimitAndGoWithTheirKey),
        Check("wholeStoreEnumerationForCopies", wholeStoreEnumerationForCopies),
        Check("concurrentUpdatesOfOneKeyLoseNone", concurrentUpdatesOfOneKeyLoseNone),
        Check("aliasLimitAndMetaInsertIfAbsentAreAtomic", aliasLimitAndMetaInsertIfAbsentAreAtomic),
        Check("metaValuesRoundTripAndOverwrite", metaValuesRoundTripAndOverwrite),
        Check("concurrentUpdatesLoseNoWrite", concurrentUpdatesLoseNoWrite),
    ]

    static let scope = Fixtures.scope
    static let material = SealedMaterial(keyID: keyID(1), materialID: KeyMaterialID(hex: String(repeating: "0", count: 64))!, sealed: [1, 2, 3, 4])

    static func insertedKeysReadBackEqual(_ store: any KeyStore) async throws {
        var record = makeRecord(id: keyID(1), tags: [KeyTag(key: "a", value: "1")])
        record.deletionDate = Date(timeIntervalSince1970: 1_750_000_123.5)
        record.pendingWindowInDays = 7
        try await store.insertKey(record, materials: [Self.material])
        #expect(try await store.key(keyID(1), in: Self.scope) == record)
        #expect(try await store.key(keyID(2), in: Self.scope) == nil)
        #expect(try await store.key(keyID(1), in: Fixtures.otherRegion) == nil)
        #expect(try await store.key(keyID(1), in: Fixtures.otherAccountScope) == nil)
    }

    static func insertingADuplicateKeyIsAlreadyExists(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        await expectKMSError(.alreadyExists) { try await store.insertKey(makeRecord(id: keyID(1)), materials: []) }
        // The same ID in another scope is a different key.
        try await store.insertKey(makeRecord(id: keyID(1), scope: Fixtures.otherRegion), materials: [])
    }

    static func updateKeyAppliesTheMutation(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        let updated = try await store.updateKey(keyID(1), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in
            record.description = "changed"
            record.enabled = false
        }
        #expect(updated.description == "changed")
        #expect(try await store.key(keyID(1), in: Self.scope) == updated)
    }

    static func updateKeyWritesNothingWhenTheMutationThrows(_ store: any KeyStore) async throws {
        let original = makeRecord(id: keyID(1))
        try await store.insertKey(original, materials: [])
        await expectKMSError(.kmsInvalidState, message: "no") {
            _ = try await store.updateKey(keyID(1), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in
                record.description = "half-done"
                throw KMSError.invalidState("no")
            }
        }
        #expect(try await store.key(keyID(1), in: Self.scope) == original)
    }

    static func updatingAMissingKeyIsNotFound(_ store: any KeyStore) async throws {
        await expectKMSError(.notFound) {
            _ = try await store.updateKey(keyID(9), in: Self.scope) { (_: inout KeyRecord) throws(KMSError) in }
        }
    }

    static func materialsAreStoredPerKeyAndScope(_ store: any KeyStore) async throws {
        let second = SealedMaterial(keyID: keyID(1), materialID: KeyMaterialID(hex: String(repeating: "1", count: 64))!, sealed: [9, 9])
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [Self.material, second])
        #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: Self.material.materialID, in: Self.scope) == Self.material)
        #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: second.materialID, in: Self.scope) == second)
        #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: KeyMaterialID(hex: String(repeating: "2", count: 64))!, in: Self.scope) == nil)
        #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: Self.material.materialID, in: Fixtures.otherRegion) == nil)
    }

    static func deleteKeyCascadesToMaterialsAndAliases(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [Self.material])
        try await store.insertKey(makeRecord(id: keyID(2)), materials: [])
        for (name, target) in [("alias/one", 1), ("alias/uno", 1), ("alias/two", 2)] {
            try await store.insertAlias(
                AliasRecord(name: AliasName(name)!, scope: Self.scope, targetKeyID: keyID(target), creationDate: Fixtures.epoch, lastUpdatedDate: Fixtures.epoch)
            )
        }
        try await store.deleteKey(keyID(1), in: Self.scope)
        #expect(try await store.key(keyID(1), in: Self.scope) == nil)
        #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: Self.material.materialID, in: Self.scope) == nil)
        #expect(try await store.alias(AliasName("alias/one")!, in: Self.scope) == nil)
        #expect(try await store.aliasCount(for: keyID(1), in: Self.scope) == 0)
        #expect(try await store.aliases(in: Self.scope, targetKeyID: nil, after: nil, limit: 10).map(\.name.rawValue) == ["alias/two"])
        // Deleting again is not an error.
        try await store.deleteKey(keyID(1), in: Self.scope)
    }

    static func keysPageInKeyIDOrderWithinAScope(_ store: any KeyStore) async throws {
        for n in [5, 3, 1, 4, 2] { try await store.insertKey(makeRecord(id: keyID(n)), materials: []) }
        try await store.insertKey(makeRecord(id: keyID(6), scope: Fixtures.otherAccountScope), materials: [])
        let first = try await store.keys(in: Self.scope, after: nil, limit: 2)
        #expect(first.map(\.id) == [keyID(1), keyID(2)])
        let rest = try await store.keys(in: Self.scope, after: keyID(2), limit: 10)
        #expect(rest.map(\.id) == [keyID(3), keyID(4), keyID(5)])
        #expect(try await store.keys(in: Fixtures.otherAccountScope, after: nil, limit: 10).map(\.id) == [keyID(6)])
    }

    static func keysDueForDeletionAreThoseAtOrBeforeTheDate(_ store: any KeyStore) async throws {
        let now = Fixtures.epoch
        var due = makeRecord(id: keyID(1))
        due.deletionDate = now.addingTimeInterval(-1)
        var exactlyDue = makeRecord(id: keyID(2), scope: Fixtures.otherRegion)
        exactlyDue.deletionDate = now
        var later = makeRecord(id: keyID(3))
        later.deletionDate = now.addingTimeInterval(1)
        for record in [due, exactlyDue, later, makeRecord(id: keyID(4))] { try await store.insertKey(record, materials: []) }
        let found = try await store.keysDueForDeletion(at: now, limit: 10)
        #expect(Set(found.map { "\($0.0.region)/\($0.1.rawValue)" }) == ["us-east-1/\(keyID(1).rawValue)", "us-west-2/\(keyID(2).rawValue)"])
        #expect(try await store.keysDueForDeletion(at: now, limit: 1).count == 1)

        // Scheduling through updateKey is seen too.
        _ = try await store.updateKey(keyID(4), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in record.deletionDate = now }
        #expect(try await store.keysDueForDeletion(at: now, limit: 10).count == 3)
    }

    static func aliasNamesAreUniquePerScope(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        try await store.insertKey(makeRecord(id: keyID(1), scope: Fixtures.otherRegion), materials: [])
        let name = AliasName("alias/app")!
        let alias = AliasRecord(name: name, scope: Self.scope, targetKeyID: keyID(1), creationDate: Fixtures.epoch, lastUpdatedDate: Fixtures.epoch)
        try await store.insertAlias(alias)
        await expectKMSError(.alreadyExists, message: "An alias with the name arn:aws:kms:us-east-1:111122223333:alias/app already exists") {
            try await store.insertAlias(alias)
        }
        var elsewhere = alias
        elsewhere.scope = Fixtures.otherRegion
        try await store.insertAlias(elsewhere)
        #expect(try await store.alias(name, in: Self.scope) == alias)
        #expect(try await store.alias(name, in: Fixtures.otherRegion) == elsewhere)
        #expect(try await store.alias(name, in: Fixtures.otherAccountScope) == nil)
    }

    static func aliasesCanBeRetargetedListedCountedAndDeleted(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        try await store.insertKey(makeRecord(id: keyID(2)), materials: [])
        for name in ["alias/c", "alias/a", "alias/b"] {
            try await store.insertAlias(
                AliasRecord(name: AliasName(name)!, scope: Self.scope, targetKeyID: keyID(1), creationDate: Fixtures.epoch, lastUpdatedDate: Fixtures.epoch)
            )
        }
        #expect(try await store.aliasCount(for: keyID(1), in: Self.scope) == 3)
        let later = Fixtures.epoch.addingTimeInterval(100)
        try await store.retargetAlias(AliasName("alias/b")!, in: Self.scope, to: keyID(2), at: later)
        let b = try #require(try await store.alias(AliasName("alias/b")!, in: Self.scope))
        #expect(b.targetKeyID == keyID(2))
        #expect(b.creationDate == Fixtures.epoch)
        #expect(b.lastUpdatedDate == later)
        #expect(try await store.aliasCount(for: keyID(1), in: Self.scope) == 2)
        #expect(try await store.aliases(in: Self.scope, targetKeyID: nil, after: nil, limit: 10).map(\.name.rawValue) == ["alias/a", "alias/b", "alias/c"])
        #expect(try await store.aliases(in: Self.scope, targetKeyID: nil, after: AliasName("alias/a"), limit: 1).map(\.name.rawValue) == ["alias/b"])
        #expect(try await store.aliases(in: Self.scope, targetKeyID: keyID(1), after: nil, limit: 10).map(\.name.rawValue) == ["alias/a", "alias/c"])
        await expectKMSError(.notFound) {
            try await store.retargetAlias(AliasName("alias/none")!, in: Self.scope, to: keyID(2), at: later)
        }
        #expect(try await store.deleteAlias(AliasName("alias/a")!, in: Self.scope))
        #expect(try await !store.deleteAlias(AliasName("alias/a")!, in: Self.scope))
        #expect(try await store.aliasCount(for: keyID(1), in: Self.scope) == 1)
    }

    static func grant(_ n: Int, key: KeyID = keyID(1), scope: Scope = Fixtures.scope, retiring: String? = nil) -> GrantRecord {
        GrantRecord(
            grantID: String(repeating: String(n % 10), count: 64), keyID: key, scope: scope, name: n.isMultiple(of: 2) ? "g\(n)" : nil,
            creationDate: Date(timeIntervalSince1970: 1_750_000_000 + Double(n)), granteePrincipal: "arn:aws:iam::111122223333:user/u\(n)",
            retiringPrincipal: retiring, issuingAccountID: scope.accountID, operations: ["Encrypt", "Decrypt"],
            constraints: n == 1 ? GrantConstraints(encryptionContextSubset: ["Dept": "IT"]) : nil
        )
    }

    static func grantsRoundTripRespectTheLimitAndGoWithTheirKey(_ store: any KeyStore) async throws {
        await expectKMSError(.notFound) { try await store.insertGrant(Self.grant(1), limit: 10) }
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        try await store.insertKey(makeRecord(id: keyID(1), scope: Fixtures.otherAccountScope), materials: [])
        let retiring = "arn:aws:iam::111122223333:role/cleaner"
        try await store.insertGrant(Self.grant(2, retiring: retiring), limit: 2)
        try await store.insertGrant(Self.grant(1), limit: 2)
        await expectKMSError(.limitExceeded) { try await store.insertGrant(Self.grant(3), limit: 2) }
        try await store.insertGrant(Self.grant(4, scope: Fixtures.otherAccountScope, retiring: retiring), limit: 2)
        #expect(try await store.grants(forKey: keyID(1), in: Self.scope) == [Self.grant(1), Self.grant(2, retiring: retiring)])
        #expect(try await store.grants(retiringPrincipal: retiring, region: "us-east-1").map(\.grantID) == [Self.grant(2).grantID, Self.grant(4).grantID])
        #expect(try await store.grants(retiringPrincipal: retiring, region: "us-west-2").isEmpty)
        #expect(try await store.deleteGrant(Self.grant(1).grantID, keyID: keyID(1), in: Self.scope))
        #expect(try await !store.deleteGrant(Self.grant(1).grantID, keyID: keyID(1), in: Self.scope))
        try await store.deleteKey(keyID(1), in: Self.scope)
        #expect(try await store.grants(forKey: keyID(1), in: Self.scope).isEmpty)
        #expect(try await store.grants(forKey: keyID(1), in: Fixtures.otherAccountScope).count == 1)
    }

    static func wholeStoreEnumerationForCopies(_ store: any KeyStore) async throws {
        #expect(try await store.scopes().isEmpty)
        let second = SealedMaterial(keyID: keyID(1), materialID: KeyMaterialID(hex: String(repeating: "1", count: 64))!, sealed: [9, 9])
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [second, Self.material])
        try await store.insertKey(makeRecord(id: keyID(2), scope: Fixtures.otherRegion), materials: [])
        #expect(try await store.scopes() == [Fixtures.scope, Fixtures.otherRegion])
        #expect(try await store.sealedMaterials(keyID: keyID(1), in: Self.scope) == [Self.material, second])
        #expect(try await store.sealedMaterials(keyID: keyID(2), in: Fixtures.otherRegion).isEmpty)
        let wrapping = StoredWrappingKey(id: "w1", scope: Self.scope, keyID: keyID(1), sealed: [1], expiresAt: Date(timeIntervalSince1970: 1_800_000_000))
        try await store.insertWrappingKey(wrapping)
        #expect(try await store.wrappingKeys() == [wrapping])
    }

    static func concurrentUpdatesOfOneKeyLoseNone(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    _ = try await store.updateKey(keyID(1), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in
                        record.onDemandRotations = (record.onDemandRotations ?? 0) + 1
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.key(keyID(1), in: Self.scope)?.onDemandRotations == 40)
    }

    static func aliasLimitAndMetaInsertIfAbsentAreAtomic(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        let results = try await withThrowingTaskGroup(of: KMSError.Code?.self) { group in
            for n in 0..<12 {
                group.addTask {
                    let alias = AliasRecord(
                        name: AliasName("alias/n\(n)")!, scope: Self.scope, targetKeyID: keyID(1), creationDate: Fixtures.epoch,
                        lastUpdatedDate: Fixtures.epoch
                    )
                    do {
                        try await store.insertAlias(alias, limit: 5)
                        return nil
                    } catch {
                        return (error as? KMSError)?.code ?? .kmsInternal
                    }
                }
            }
            var codes: [KMSError.Code?] = []
            for try await code in group { codes.append(code) }
            return codes
        }
        #expect(results.filter { $0 == nil }.count == 5)
        #expect(results.compactMap { $0 }.allSatisfy { $0 == .limitExceeded })
        #expect(try await store.aliasCount(for: keyID(1), in: Self.scope) == 5)
        #expect(try await store.insertMetaValueIfAbsent("check", [1]) == [1])
        #expect(try await store.insertMetaValueIfAbsent("check", [2]) == [1])
    }

    static func metaValuesRoundTripAndOverwrite(_ store: any KeyStore) async throws {
        #expect(try await store.metaValue("root-key-check") == nil)
        try await store.setMetaValue("root-key-check", [1, 2, 3])
        #expect(try await store.metaValue("root-key-check") == [1, 2, 3])
        try await store.setMetaValue("root-key-check", [])
        #expect(try await store.metaValue("root-key-check") == [])
        #expect(try await store.metaValue("other") == nil)
    }

    static func concurrentUpdatesLoseNoWrite(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask {
                    _ = try await store.updateKey(keyID(1), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in
                        record.tags.append(KeyTag(key: "t\(n)", value: "\(n)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let record = try #require(try await store.key(keyID(1), in: Self.scope))
        #expect(record.tags.count == 50)
        #expect(Set(record.tags.map(\.key)) == Set((0..<50).map { "t\($0)" }))
    }

    static func keysDueForRotationAreEnabledKeysWithRotationOnInDueOrder(_ store: any KeyStore) async throws {
        func rotating(_ n: Int, dueIn days: Double, scope: Scope = Fixtures.scope) -> KeyRecord {
            var record = makeRecord(id: keyID(n), scope: scope)
            record.rotationPeriodInDays = 90
            record.nextRotationDate = Fixtures.epoch.addingTimeInterval(days * 86_400)
            return record
        }
        try await store.insertKey(rotating(1, dueIn: 2), materials: [])
        try await store.insertKey(rotating(2, dueIn: 1, scope: Fixtures.otherRegion), materials: [])
        try await store.insertKey(rotating(3, dueIn: 5), materials: [])
        var disabled = rotating(4, dueIn: 0)
        disabled.enabled = false
        try await store.insertKey(disabled, materials: [])
        var off = rotating(5, dueIn: 0)
        off.rotationPeriodInDays = nil
        try await store.insertKey(off, materials: [])
        let at3 = Fixtures.epoch.addingTimeInterval(3 * 86_400)
        #expect(try await store.keysDueForRotation(at: at3, limit: 10).map(\.1) == [keyID(2), keyID(1)])
        #expect(try await store.keysDueForRotation(at: at3, limit: 1).map(\.1) == [keyID(2)])
        // An update moves the schedule; enabling the disabled key makes it due (it catches up).
        _ = try await store.updateKey(keyID(2), in: Fixtures.otherRegion) { (record: inout KeyRecord) throws(KMSError) in
            record.nextRotationDate = Fixtures.epoch.addingTimeInterval(90 * 86_400)
        }
        _ = try await store.updateKey(keyID(4), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in record.enabled = true }
        #expect(try await store.keysDueForRotation(at: at3, limit: 10).map(\.1) == [keyID(4), keyID(1)])
    }

    static func usagesKeepTheLatestAndGoWithTheirKey(_ store: any KeyStore) async throws {
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        func usage(_ operation: OperationName, at seconds: Double, key: Int = 1) -> KeyUsageRecord {
            KeyUsageRecord(
                scope: Self.scope, keyID: keyID(key), operation: operation, timestamp: Fixtures.epoch.addingTimeInterval(seconds),
                requestID: "r\(seconds)", eventID: "e\(seconds)"
            )
        }
        #expect(try await store.usage(of: keyID(1), in: Self.scope) == nil)
        try await store.recordUsages([usage(.encrypt, at: 10), usage(.decrypt, at: 5), usage(.sign, at: 1, key: 2)])
        #expect(try await store.usage(of: keyID(1), in: Self.scope) == usage(.encrypt, at: 10))
        #expect(try await store.usage(of: keyID(2), in: Self.scope) == nil)
        try await store.recordUsages([usage(.decrypt, at: 9)])
        #expect(try await store.usage(of: keyID(1), in: Self.scope)?.operation == .encrypt)
        try await store.recordUsages([usage(.generateMac, at: 11)])
        #expect(try await store.usage(of: keyID(1), in: Self.scope) == usage(.generateMac, at: 11))
        #expect(try await store.usage(of: keyID(1), in: Fixtures.otherRegion) == nil)
        try await store.deleteKey(keyID(1), in: Self.scope)
        try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
        #expect(try await store.usage(of: keyID(1), in: Self.scope) == nil)
    }

    static func relatedKeysAreTheSameIDInEveryRegionOfTheAccount(_ store: any KeyStore) async throws {
        for scope in [Fixtures.otherRegion, Fixtures.scope, Fixtures.otherAccountScope] {
            try await store.insertKey(makeRecord(id: keyID(1), scope: scope), materials: [])
        }
        try await store.insertKey(makeRecord(id: keyID(2)), materials: [])
        let related = try await store.relatedKeys(keyID(1), accountID: Fixtures.account)
        #expect(related.map(\.scope) == [Fixtures.scope, Fixtures.otherRegion])
        #expect(try await store.relatedKeys(keyID(3), accountID: Fixtures.account).isEmpty)
    }
}
