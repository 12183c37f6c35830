import Foundation
import KMSTesting
import Logging
import PostgresNIO
import Testing

@testable import KMSCore
@testable import KMSStorePostgres

/// Two nodes (two stores, each with its own client and change listener) on one PostgreSQL schema: each caches key
/// records, and a change acknowledged by one is never served stale by the other.
@Suite(.enabled(if: StoreKind.postgresURL != nil, "needs a PostgreSQL server: set COFFER_TEST_POSTGRES_URL (scripts/start-test-postgres)"))
struct PostgresChangeFeedTests {
    static let scope = Fixtures.scope

    /// Runs `body` with two listening nodes whose caches are trusted.
    func withTwoNodes(_ body: (PostgresKeyStore, PostgresKeyStore) async throws -> Void) async throws {
        try await withPostgresSchema { client, configuration, logger in
            let a = PostgresKeyStore(client: client, logger: logger)
            try await a.migrate()
            try await withRunningPostgresClient(configuration, logger: logger) { otherClient in
                let b = PostgresKeyStore(client: otherClient, logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await a.listenForKeyChanges() }
                    group.addTask { await b.listenForKeyChanges() }
                    defer { group.cancelAll() }
                    let deadline = ContinuousClock.now + .seconds(15)
                    while !(a.changes.isFresh() && b.changes.isFresh()) {
                        try #require(ContinuousClock.now < deadline, "the listeners never became fresh")
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    // Both have seen each other's heartbeats by now (two intervals have passed on each).
                    try await body(a, b)
                }
            }
        }
    }

    func slot(_ id: KeyID) -> RecordSlot { RecordSlot(account: Self.scope.accountID, region: Self.scope.region, keyID: id.rawValue) }

    @Test func aChangeAcknowledgedOnOneNodeIsNeverServedStaleByTheOther() async throws {
        try await withTwoNodes { a, b in
            try await a.insertKey(makeRecord(id: keyID(1)), materials: [])
            for n in 0..<30 {
                let expected = n == 0 ? "d" : "v\(n - 1)"
                #expect(try await b.key(keyID(1), in: Self.scope)?.description == expected)
                #expect(try await a.key(keyID(1), in: Self.scope)?.description == expected)
                // Both now serve the key from their caches.
                #expect(b.records[slot(keyID(1))]?.description == expected)
                #expect(a.records[slot(keyID(1))]?.description == expected)
                let writer = n.isMultiple(of: 2) ? a : b
                _ = try await writer.updateKey(keyID(1), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in
                    record.description = "v\(n)"
                }
                // Acknowledged: neither node holds the old record any more.
                #expect(a.records[slot(keyID(1))] == nil)
                #expect(b.records[slot(keyID(1))] == nil)
            }
            try await b.deleteKey(keyID(1), in: Self.scope)
            #expect(try await a.key(keyID(1), in: Self.scope) == nil)
        }
    }

    @Test func concurrentWritersOnBothNodesLeaveBothCachesTrue() async throws {
        try await withTwoNodes { a, b in
            for n in 1...3 { try await a.insertKey(makeRecord(id: keyID(n)), materials: []) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<60 {
                    let store = n.isMultiple(of: 2) ? a : b
                    group.addTask {
                        _ = try await store.updateKey(keyID(1 + n % 3), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in
                            record.tags.append(KeyTag(key: "t\(n)", value: "\(n)"))
                        }
                    }
                    group.addTask { _ = try await (n.isMultiple(of: 3) ? a : b).key(keyID(1 + n % 3), in: Self.scope) }
                }
                try await group.waitForAll()
            }
            var total = 0
            for n in 1...3 {
                let fromA = try #require(try await a.key(keyID(n), in: Self.scope))
                let fromB = try #require(try await b.key(keyID(n), in: Self.scope))
                #expect(fromA == fromB)
                total += fromA.tags.count
            }
            #expect(total == 60)
        }
    }

    @Test func withoutAListenerNothingIsCachedAndWritersDoNotWait() async throws {
        try await withPostgresSchema { client, logger in
            let store = PostgresKeyStore(client: client, logger: logger)
            try await store.migrate()
            try await store.insertKey(makeRecord(id: keyID(1)), materials: [])
            _ = try await store.key(keyID(1), in: Self.scope)
            #expect(store.records[slot(keyID(1))] == nil)
            let start = ContinuousClock.now
            _ = try await store.updateKey(keyID(1), in: Self.scope) { (record: inout KeyRecord) throws(KMSError) in record.description = "x" }
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(try await store.key(keyID(1), in: Self.scope)?.description == "x")
        }
    }
}
