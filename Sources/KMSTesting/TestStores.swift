import Foundation
import KMSCore
import KMSStorePostgres
import KMSStoreSQLite
import Logging
import PostgresNIO
import Testing

/// Which store a test runs against. PostgreSQL runs when `COFFER_TEST_POSTGRES_URL` names a server (`.ci/run` starts
/// one and sets it; in CI its absence is a test failure).
public enum StoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case inMemory, sqlite, postgres

    public var testDescription: String { rawValue }

    public static var postgresURL: String? { ProcessInfo.processInfo.environment["COFFER_TEST_POSTGRES_URL"] }

    /// The stores this machine can run: PostgreSQL only with a server to talk to.
    public static var available: [StoreKind] { postgresURL == nil ? [.inMemory, .sqlite] : allCases }
}

/// A fresh directory for a database file; the caller removes it.
public func temporaryDirectory(_ label: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// Runs `body` against a fresh, empty store of `kind` and removes it afterwards.
public func withStore(_ kind: StoreKind, _ body: (any KeyStore) async throws -> Void) async throws {
    switch kind {
    case .inMemory:
        try await body(InMemoryKeyStore())
    case .sqlite:
        let directory = try temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(try SQLiteKeyStore(path: directory.appendingPathComponent("keys.sqlite").path))
    case .postgres:
        try await withPostgresSchema { client, logger in
            let store = PostgresKeyStore(client: client, logger: logger)
            try await store.migrate()
            try await body(store)
        }
    }
}

/// Runs `body` with a running `PostgresClient` whose connections use a schema of their own (created empty, dropped
/// afterwards), on the server named by `COFFER_TEST_POSTGRES_URL`. Several clients in `body` (one per simulated node)
/// can share the schema through `configuration`.
public func withPostgresSchema(
    _ body: (PostgresClient, Logger) async throws -> Void
) async throws {
    try await withPostgresSchema { client, _, logger in try await body(client, logger) }
}

/// Like `withPostgresSchema(_:)`, also passing the client's configuration, for making more clients on the schema.
public func withPostgresSchema(
    _ body: (PostgresClient, PostgresClient.Configuration, Logger) async throws -> Void
) async throws {
    let url = try #require(StoreKind.postgresURL)
    let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    var configuration = try PostgresKeyStore.configuration(url: url)
    configuration.options.additionalStartupParameters = [("search_path", schema)]
    configuration.options.maximumConnections = 4
    let logger = Logger(label: "coffer.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    try await withRunningPostgresClient(configuration, logger: logger) { client in
        try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
        do {
            try await body(client, configuration, logger)
        } catch {
            _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
            throw error
        }
        try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
    }
}

/// Runs `body` while a client made from `configuration` runs; the client stops afterwards.
public func withRunningPostgresClient(
    _ configuration: PostgresClient.Configuration, logger: Logger, _ body: (PostgresClient) async throws -> Void
) async throws {
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        try await body(client)
    }
}
