import Foundation
import KMSCore
import KMSServer
import KMSStorePostgres
import KMSStoreSQLite
import Logging
import PostgresNIO

/// The store a configuration names, opened for a command that reads it offline (`coffer authz explain`): the SQLite
/// file (which must exist) or the PostgreSQL database (its client runs for the duration of `body`).
enum ConfiguredStore {
    /// The PostgreSQL client configuration of a `"store": {"type": "postgres", ...}` entry.
    static func postgresConfiguration(_ file: ServerConfiguration) throws -> PostgresClient.Configuration {
        guard let url = file.store?.url else { throw ConfigurationError("store.url is required for a postgres store.") }
        do {
            return try PostgresKeyStore.configuration(url: url, passwordEnvironment: file.store?.passwordEnv)
        } catch {
            throw ConfigurationError("store: \(error.message)")
        }
    }

    static func with<T>(_ file: ServerConfiguration, dataDir: String, _ body: (any KeyStore) async throws -> T) async throws -> T {
        switch file.store?.type ?? "sqlite" {
        case "sqlite":
            let path = file.store?.path ?? (dataDir as NSString).appendingPathComponent("coffer.sqlite")
            guard FileManager.default.fileExists(atPath: path) else { throw ConfigurationError("No store at \(path).") }
            let store: SQLiteKeyStore
            do {
                store = try SQLiteKeyStore(path: path)
            } catch {
                throw ConfigurationError("Cannot open the store at \(path): \(error)")
            }
            return try await body(store)
        case "postgres":
            let configuration = try postgresConfiguration(file)
            let logger = Logger(label: "coffer.store", factory: { _ in SwiftLogNoOpLogHandler() })
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                return try await body(PostgresKeyStore(client: client, logger: logger))
            }
        case let other:
            throw ConfigurationError("Store type '\(other)' is not supported; use 'sqlite' or 'postgres'.")
        }
    }
}
