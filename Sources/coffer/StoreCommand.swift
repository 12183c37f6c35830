import ArgumentParser
import Foundation
import KMSCore
import KMSServer
import KMSStorePostgres
import KMSStoreSQLite
import Logging
import PostgresNIO

/// `coffer store`: store tools.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Store tools.", subcommands: [StoreCopy.self])
}
