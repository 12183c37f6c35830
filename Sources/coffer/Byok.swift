import ArgumentParser
import Foundation
import KMSCore

/// `coffer byok`: bring-your-own-key helpers for KMS keys with origin EXTERNAL (Coffer or AWS KMS).
struct Byok: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "byok",
        abstract: "Wrap and import your own key material (KMS keys with origin EXTERNAL).",
        subcommands: [ByokWrap.self, ByokImport.self]
    )
}
