import ArgumentParser
import Foundation
import KMSCore
import KMSServer

/// `coffer authz`: authorization tools.
struct Authz: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Authorization tools.",
        subcommands: [Explain.self]
    )
}
