import Foundation
import KMSCore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Runs a PostgreSQL store's change listener (`KeyChangeFeed`) in the server's ServiceGroup: without it the store
/// works, but reads every key from the database.
public struct PostgresKeyChangeListener: Service {
    let store: PostgresKeyStore

    public init(store: PostgresKeyStore) { self.store = store }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.listenForKeyChanges()
        }
    }
}
