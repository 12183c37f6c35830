import ArgumentParser
import Foundation
import KMSCore
import KMSServer

/// `coffer seed export`: the current keys and aliases as a seed file (docs/seed.md).
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seed", abstract: "Seed files.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the store's keys and aliases as a seed file (YAML).",
            discussion: """
                Key material is written only with --include-material: the file then holds every key's current material \
                in plaintext. Keys pending deletion and multi-Region replicas are left out.
                """
        )

        @Option(help: "The server's configuration file (JSON), for the store and the root key.") var config: String?
        @Option(name: .customLong("data-dir"), help: "Data directory of the store when no configuration file names one (default ./data).")
        var dataDir: String?
        @Flag(name: .customLong("include-material"), help: "Include each key's current material (plaintext!).") var includeMaterial = false

        func run() async throws {
            let file = try config.map(ServerConfiguration.load) ?? ServerConfiguration()
            let dataDir = self.dataDir ?? file.dataDir ?? "./data"
            if includeMaterial {
                FileHandle.standardError.write(Data("warning: the seed file contains key material in plaintext; keep it as secret as the keys.\n".utf8))
            }
            let text = try await ConfiguredStore.with(file, dataDir: dataDir) { store in
                let sealer = includeMaterial ? try await RootKeyLoader.load(source: file.rootKey, dataDir: dataDir, store: store) : nil
                return try await Self.export(store: store, sealer: sealer)
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }

        static func export(store: any KeyStore, sealer: MaterialSealer?) async throws -> String {
            func q(_ text: String) -> String { JSONWriter.literal(text) }
            var out = "# Written by coffer seed export (docs/seed.md).\nkeys:\n"
            var skipped: [String] = []
            try await store.forEachKey { key in
                guard key.deletionDate == nil, key.awaitingReplicaDeletion != true, !key.isReplica else {
                    skipped.append(key.arn)
                    return
                }
                out += "  - keyId: \(q(key.id.rawValue))\n"
                out += "    accountId: \(q(key.scope.accountID))\n"
                out += "    region: \(q(key.scope.region))\n"
                out += "    keySpec: \(key.keySpec.rawValue)\n"
                out += "    keyUsage: \(key.keyUsage.rawValue)\n"
                out += "    origin: \(key.origin.rawValue)\n"
                out += "    description: \(q(key.description))\n"
                out += "    enabled: \(key.enabled)\n"
                let current = key.currentMaterial
                if let validTo = current?.validTo, key.origin == .external { out += "    validTo: \(q(AuditTime.format(validTo)))\n" }
                if !key.tags.isEmpty {
                    out += "    tags:\n"
                    for tag in key.tags { out += "      \(q(tag.key)): \(q(tag.value))\n" }
                }
                out += "    policy: \(q(key.policy))\n"
                if let sealer, let current {
                    let sealed = try await store.sealedMaterials(keyID: key.id, in: key.scope).first { $0.materialID == current.id }
                    if let sealed {
                        let material = try sealer.open(sealed.sealed, keyARN: key.arn, materialID: sealed.materialID)
                        out += "    material: \(q(material.withUnsafeBytes { Data($0).base64EncodedString() }))\n"
                    }
                }
            }
            if out.hasSuffix("keys:\n") { out += "  []\n" }
            out += "aliases:\n"
            var aliasCount = 0
            for scope in try await store.scopes() {
                for alias in try await store.aliases(in: scope, targetKeyID: nil, after: nil, limit: .max) where !alias.name.rawValue.hasPrefix("alias/aws/") {
                    out += "  - name: \(q(alias.name.rawValue))\n    targetKeyId: \(q(alias.targetKeyID.rawValue))\n"
                    out += "    accountId: \(q(scope.accountID))\n    region: \(q(scope.region))\n"
                    aliasCount += 1
                }
            }
            if aliasCount == 0 { out += "  []\n" }
            if !skipped.isEmpty {
                FileHandle.standardError.write(Data("note: left out (pending deletion or multi-Region replica): \(skipped.joined(separator: ", "))\n".utf8))
            }
            return out
        }
    }
}
