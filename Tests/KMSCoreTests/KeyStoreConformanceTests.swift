import Foundation
import KMSStoreSQLite
import KMSTesting
import Testing

@testable import KMSCore

@Suite struct PostgresSetupTests {
    @Test func continuousIntegrationRunsThePostgresStore() {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            #expect(StoreKind.postgresURL != nil, "CI must set COFFER_TEST_POSTGRES_URL (.ci/run starts PostgreSQL)")
        }
    }
}

/// The `KeyStore` contract (KMSTesting's `KeyStoreConformance`), run against every store this machine has.
@Suite struct KeyStoreConformanceTests {
    @Test(arguments: StoreKind.available, KeyStoreConformance.checks)
    func conformance(_ kind: StoreKind, _ check: KeyStoreConformance.Check) async throws {
        try await withStore(kind) { store in try await check.run(store) }
    }

    /// The service on top of each store (not part of the store contract: it needs the service's internals).
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
    @Test func dataSurvivesReopeningTheFile() async throws {
        let directory = try temporaryDirectory("reopen")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("keys.sqlite").path
        let scope = Fixtures.scope
        var record = makeRecord(id: keyID(1), tags: [KeyTag(key: "k", value: "v")])
        record.deletionDate = Fixtures.epoch.addingTimeInterval(86_400)
        let material = SealedMaterial(keyID: keyID(1), materialID: KeyMaterialID(hex: String(repeating: "f", count: 64))!, sealed: [0, 255, 7])
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
        let directory = try temporaryDirectory("cache")
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
