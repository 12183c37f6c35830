import Foundation
import KMSStorePostgres
import KMSStoreSQLite
import Logging
import PostgresNIO
import Testing

@testable import KMSCore

/// Which store a conformance test runs against. PostgreSQL runs when `COFFER_TEST_POSTGRES_URL` names a server
/// (`.ci/run` starts one and sets it; `PostgresSetupTests` fails in CI without it).
enum StoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case inMemory, sqlite, postgres

    var testDescription: String { rawValue }

    static var postgresURL: String? { ProcessInfo.processInfo.environment["COFFER_TEST_POSTGRES_URL"] }

    /// The stores this machine can run: PostgreSQL only with a server to talk to.
    static var available: [StoreKind] { postgresURL == nil ? [.inMemory, .sqlite] : allCases }
}

@Suite struct PostgresSetupTests {
    @Test func continuousIntegrationRunsThePostgresStore() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(StoreKind.postgresURL != nil, "CI must set COFFER_TEST_POSTGRES_URL (.ci/run starts PostgreSQL)")
        }
    }
}

/// A store under test, with its temp file removed on `cleanUp()`.
struct StoreUnderTest {
    let store: any KeyStore
    let directory: URL?

    static func make(_ kind: StoreKind) throws -> StoreUnderTest {
        switch kind {
        case .postgres:
            preconditionFailure("PostgreSQL stores are made by withPostgresStore")
        case .inMemory:
            return StoreUnderTest(store: InMemoryKeyStore(), directory: nil)
        case .sqlite:
            let directory = try SQLiteKeyStoreTests.temporaryDirectory("store")
            let store = try SQLiteKeyStore(path: directory.appendingPathComponent("keys.sqlite").path)
            return StoreUnderTest(store: store, directory: directory)
        }
    }

    func cleanUp() {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// Runs `body` against a fresh store of `kind` and removes it afterwards. A PostgreSQL store gets a schema of its
/// own, migrated, and dropped afterwards.
func withStore(_ kind: StoreKind, _ body: (any KeyStore) async throws -> Void) async throws {
    if kind == .postgres {
        try await withPostgresStore(body)
        return
    }
    let subject = try StoreUnderTest.make(kind)
    defer { subject.cleanUp() }
    try await body(subject.store)
}

func withPostgresStore(_ body: (PostgresKeyStore) async throws -> Void) async throws {
    let url = try #require(StoreKind.postgresURL)
    let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    var configuration = try PostgresKeyStore.configuration(url: url)
    configuration.options.additionalStartupParameters = [("search_path", schema)]
    configuration.options.maximumConnections = 4
    let logger = Logger(label: "coffer.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
        let store = PostgresKeyStore(client: client, logger: logger)
        do {
            try await store.migrate()
            try await body(store)
        } catch {
            _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
            throw error
        }
        try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
    }
}

/// The `KeyStore` contract, written once and run against every store.
@Suite struct KeyStoreConformanceTests {
    static let scope = Fixtures.scope
    static let material = SealedMaterial(keyID: keyID(1), materialID: String(repeating: "0", count: 64), sealed: [1, 2, 3, 4])

    @Test(arguments: StoreKind.available)
    func insertedKeysReadBackEqual(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var record = makeRecord(id: keyID(1), tags: [KeyTag(key: "a", value: "1")])
            record.deletionDate = Date(timeIntervalSince1970: 1_750_000_123.5)
            record.pendingWindowInDays = 7
            try await store.insertKey(record, materials: [Self.material])
            #expect(try await store.key(keyID(1), in: Self.scope) == record)
            #expect(try await store.key(keyID(2), in: Self.scope) == nil)
            #expect(try await store.key(keyID(1), in: Fixtures.otherRegion) == nil)
            #expect(try await store.key(keyID(1), in: Fixtures.otherAccountScope) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func insertingADuplicateKeyIsAlreadyExists(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
            await expectKMSError(.alreadyExists) { try await store.insertKey(makeRecord(id: keyID(1)), materials: []) }
            // The same ID in another scope is a different key.
            try await store.insertKey(makeRecord(id: keyID(1), scope: Fixtures.otherRegion), materials: [])
        }
    }

    @Test(arguments: StoreKind.available)
    func updateKeyAppliesTheMutation(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
            let updated = try await store.updateKey(keyID(1), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in
                record.description = "changed"
                record.enabled = false
            }
            #expect(updated.description == "changed")
            #expect(try await store.key(keyID(1), in: Self.scope) == updated)
        }
    }

    @Test(arguments: StoreKind.available)
    func updateKeyWritesNothingWhenTheMutationThrows(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func updatingAMissingKeyIsNotFound(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            await expectKMSError(.notFound) {
                _ = try await store.updateKey(keyID(9), in: Self.scope) { (_: inout KeyRecord) throws(KMSError) in }
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func materialsAreStoredPerKeyAndScope(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let second = SealedMaterial(keyID: keyID(1), materialID: String(repeating: "1", count: 64), sealed: [9, 9])
            try await store.insertKey(makeRecord(id: keyID(1)), materials: [Self.material, second])
            #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: Self.material.materialID, in: Self.scope) == Self.material)
            #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: second.materialID, in: Self.scope) == second)
            #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: String(repeating: "2", count: 64), in: Self.scope) == nil)
            #expect(try await store.sealedMaterial(keyID: keyID(1), materialID: Self.material.materialID, in: Fixtures.otherRegion) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func deleteKeyCascadesToMaterialsAndAliases(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func keysPageInKeyIDOrderWithinAScope(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            for n in [5, 3, 1, 4, 2] { try await store.insertKey(makeRecord(id: keyID(n)), materials: []) }
            try await store.insertKey(makeRecord(id: keyID(6), scope: Fixtures.otherAccountScope), materials: [])
            let first = try await store.keys(in: Self.scope, after: nil, limit: 2)
            #expect(first.map(\.id) == [keyID(1), keyID(2)])
            let rest = try await store.keys(in: Self.scope, after: keyID(2), limit: 10)
            #expect(rest.map(\.id) == [keyID(3), keyID(4), keyID(5)])
            #expect(try await store.keys(in: Fixtures.otherAccountScope, after: nil, limit: 10).map(\.id) == [keyID(6)])
        }
    }

    @Test(arguments: StoreKind.available)
    func keysDueForDeletionAreThoseAtOrBeforeTheDate(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func aliasNamesAreUniquePerScope(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func aliasesCanBeRetargetedListedCountedAndDeleted(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    static func grant(_ n: Int, key: KeyID = keyID(1), scope: Scope = Fixtures.scope, retiring: String? = nil) -> GrantRecord {
        GrantRecord(
            grantID: String(repeating: String(n % 10), count: 64), keyID: key, scope: scope, name: n.isMultiple(of: 2) ? "g\(n)" : nil,
            creationDate: Date(timeIntervalSince1970: 1_750_000_000 + Double(n)), granteePrincipal: "arn:aws:iam::111122223333:user/u\(n)",
            retiringPrincipal: retiring, issuingAccountID: scope.accountID, operations: ["Encrypt", "Decrypt"],
            constraints: n == 1 ? GrantConstraints(encryptionContextSubset: ["Dept": "IT"]) : nil
        )
    }

    @Test(arguments: StoreKind.available)
    func grantsRoundTripRespectTheLimitAndGoWithTheirKey(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func wholeStoreEnumerationForCopies(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.scopes().isEmpty)
            let second = SealedMaterial(keyID: keyID(1), materialID: String(repeating: "1", count: 64), sealed: [9, 9])
            try await store.insertKey(makeRecord(id: keyID(1)), materials: [second, Self.material])
            try await store.insertKey(makeRecord(id: keyID(2), scope: Fixtures.otherRegion), materials: [])
            #expect(try await store.scopes() == [Fixtures.scope, Fixtures.otherRegion])
            #expect(try await store.sealedMaterials(keyID: keyID(1), in: Self.scope) == [Self.material, second])
            #expect(try await store.sealedMaterials(keyID: keyID(2), in: Fixtures.otherRegion).isEmpty)
            let wrapping = StoredWrappingKey(id: "w1", scope: Self.scope, keyID: keyID(1), sealed: [1], expiresAt: Date(timeIntervalSince1970: 1_800_000_000))
            try await store.insertWrappingKey(wrapping)
            #expect(try await store.wrappingKeys() == [wrapping])
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentUpdatesOfOneKeyLoseNone(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func aliasLimitAndMetaInsertIfAbsentAreAtomic(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func metaValuesRoundTripAndOverwrite(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.metaValue("root-key-check") == nil)
            try await store.setMetaValue("root-key-check", [1, 2, 3])
            #expect(try await store.metaValue("root-key-check") == [1, 2, 3])
            try await store.setMetaValue("root-key-check", [])
            #expect(try await store.metaValue("root-key-check") == [])
            #expect(try await store.metaValue("other") == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentUpdatesLoseNoWrite(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
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
    }

    @Test(arguments: StoreKind.available)
    func serviceRunsOnTheStore(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let service = KMSService(store: store, sealer: Fixtures.sealer(), clock: FixedClock(Fixtures.epoch), random: SeededRandom(seed: 3))
            let created = try await service.createKey(try request(#"{"Tags": [{"TagKey": "a", "TagValue": "b"}]}"#), caller: Fixtures.caller)
            let id = created.keyMetadata.keyID
            _ = try await service.createAlias(try request(#"{"AliasName": "alias/x", "TargetKeyId": "\#(id)"}"#), caller: Fixtures.caller)
            let described = try await service.describeKey(try request(#"{"KeyId": "alias/x"}"#), caller: Fixtures.caller)
            #expect(described.keyMetadata == created.keyMetadata)
            let materialID = try #require(created.keyMetadata.currentKeyMaterialID)
            let sealed = try #require(try await store.sealedMaterial(keyID: KeyID(id)!, materialID: materialID, in: Fixtures.scope))
            _ = try Fixtures.sealer().open(sealed.sealed, keyARN: created.keyMetadata.arn, materialID: materialID)
        }
    }
}

@Suite struct SQLiteKeyStoreTests {
    /// A fresh directory for a database file; the caller removes it.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func dataSurvivesReopeningTheFile() async throws {
        let directory = try Self.temporaryDirectory("reopen")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("keys.sqlite").path
        let scope = Fixtures.scope
        var record = makeRecord(id: keyID(1), tags: [KeyTag(key: "k", value: "v")])
        record.deletionDate = Fixtures.epoch.addingTimeInterval(86_400)
        let material = SealedMaterial(keyID: keyID(1), materialID: String(repeating: "f", count: 64), sealed: [0, 255, 7])
        let alias = AliasRecord(name: AliasName("alias/kept")!, scope: scope, targetKeyID: keyID(1), creationDate: Fixtures.epoch, lastUpdatedDate: Fixtures.epoch)
        do {
            let store = try SQLiteKeyStore(path: path)
            try await store.insertKey(record, materials: [material])
            try await store.insertAlias(alias)
            try await store.setMetaValue("check", [4, 2])
        }
        let reopened = try SQLiteKeyStore(path: path)
        #expect(try await reopened.key(keyID(1), in: scope) == record)
        #expect(try await reopened.sealedMaterial(keyID: keyID(1), materialID: material.materialID, in: scope) == material)
        #expect(try await reopened.alias(alias.name, in: scope) == alias)
        #expect(try await reopened.metaValue("check") == [4, 2])
        #expect(try await reopened.keysDueForDeletion(at: Fixtures.epoch.addingTimeInterval(86_400), limit: 10).map(\.1) == [keyID(1)])
    }

    /// The record cache (written through by updateKey, filled by readers) must agree with the file after concurrent
    /// updates and reads: a second store on the same file reads the truth without any cache.
    @Test func cachedRecordsMatchTheFileAfterConcurrentUpdatesAndReads() async throws {
        let directory = try Self.temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("keys.sqlite").path
        let scope = Fixtures.scope
        let store = try SQLiteKeyStore(path: path)
        for n in 1...3 { try await store.insertKey(makeRecord(id: keyID(n)), materials: []) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<60 {
                group.addTask {
                    _ = try await store.updateKey(keyID(1 + n % 3), in: scope) { (record: inout KeyRecord, _: inout MaterialChanges) throws(KMSError) in
                        record.tags.append(KeyTag(key: "t\(n)", value: "\(n)"))
                        if n % 7 == 0 { throw KMSError.invalidState("refused \(n)") }
                    }
                }
                group.addTask { _ = try await store.key(keyID(1 + n % 3), in: scope) }
            }
            while let result = await group.nextResult() {
                if case .failure(let error) = result, (error as? KMSError)?.code != .kmsInvalidState { throw error }
            }
        }
        let truth = try SQLiteKeyStore(path: path)
        var total = 0
        for n in 1...3 {
            let cached = try #require(try await store.key(keyID(n), in: scope))
            let stored = try #require(try await truth.key(keyID(n), in: scope))
            #expect(cached == stored)
            total += stored.tags.count
        }
        #expect(total == (0..<60).filter { $0 % 7 != 0 }.count)
    }
}

@Suite struct LockedCacheTests {
    @Test func aReadThatPredatesAWriteIsNotCached() {
        let cache = LockedCache<String, Int>(capacity: 10)
        let generation = cache.currentGeneration
        cache.write(nil, for: "k")
        cache.insert(1, for: "k", ifUnchangedSince: generation)
        #expect(cache["k"] == nil)
    }

    @Test func aReadNeverReplacesAWrittenThroughValue() {
        let cache = LockedCache<String, Int>(capacity: 10)
        cache.write(2, for: "k")
        cache.insert(1, for: "k", ifUnchangedSince: cache.currentGeneration)
        #expect(cache["k"] == 2)
    }

    @Test func aReadIsCachedWhenNothingChanged() {
        let cache = LockedCache<String, Int>(capacity: 10)
        cache.insert(1, for: "k", ifUnchangedSince: cache.currentGeneration)
        #expect(cache["k"] == 1)
    }

    @Test func evictionWhenFullCountsAsAWrite() {
        let cache = LockedCache<String, Int>(capacity: 2)
        cache.write(1, for: "a")
        cache.write(2, for: "b")
        let generation = cache.currentGeneration
        cache["c"] = 3
        #expect(cache["a"] == nil && cache["c"] == 3)
        cache.insert(9, for: "a", ifUnchangedSince: generation)
        #expect(cache["a"] == nil)
    }
}
