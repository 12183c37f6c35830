import ArgumentParser
import Foundation
import KMSCore
import KMSServer
import KMSStorePostgres
import KMSStoreSQLite
import Logging
import PostgresNIO

/// `coffer store copy`: copies every key, material, alias, tag, policy, grant and import parameter from one store to
/// another (SQLite ⇄ PostgreSQL), then verifies the target. Sealed material is copied as it is (it stays sealed under
/// the same root key, bound to its key ARN and material ID); the root key is only used to check that both stores
/// belong to it and that every copied material opens.
struct StoreCopy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole store: SQLite to PostgreSQL, or back (for backups).",
        discussion: """
            --from and --to are a SQLite file path or a postgres:// URL. The target must be empty unless --merge is given;
            with --merge, what the target already holds is kept (a key that differs is an error) and the rest is copied,
            so running the copy again changes nothing. The root key is found as `coffer serve` finds it: from --config,
            or else root.key beside the SQLite store. Exit status: 0 copied and verified, 1 verification failed, 2 refused.
            """
    )

    @Option(help: "The source store: a SQLite file or a postgres:// URL.") var from: String
    @Option(help: "The target store: a SQLite file or a postgres:// URL.") var to: String
    @Flag(help: "Copy into a non-empty target, keeping what it holds.") var merge = false
    @Option(help: "A server configuration file: its rootKey (and dataDir) locate the root key.") var config: String?

    func run() async throws {
        do {
            try await copy()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("coffer store copy: \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as RootKeyError {
            FileHandle.standardError.write(Data("coffer store copy: \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as KMSError {
            FileHandle.standardError.write(Data("coffer store copy: \(error.code.rawValue): \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func isPostgres(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }

    private func copy() async throws {
        let file = try config.map(ServerConfiguration.load) ?? ServerConfiguration()
        let sqlitePath = [from, to].first { !Self.isPostgres($0) }
        let dataDir = file.dataDir ?? sqlitePath.map { ($0 as NSString).deletingLastPathComponent } ?? "./data"
        let sealer = try RootKeyLoader.read(source: file.rootKey, dataDir: dataDir.isEmpty ? "." : dataDir)
        let logger = Logger(label: "coffer.store.copy", factory: { _ in SwiftLogNoOpLogHandler() })

        var clients: [PostgresClient] = []
        func open(_ text: String, create: Bool) throws -> any KeyStore {
            if Self.isPostgres(text) {
                let configuration: PostgresClient.Configuration
                do {
                    configuration = try PostgresKeyStore.configuration(url: text, passwordEnvironment: file.store?.passwordEnv)
                } catch {
                    throw ConfigurationError("\(text): \(error.message)")
                }
                let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
                clients.append(client)
                return PostgresKeyStore(client: client, logger: logger)
            }
            guard create || FileManager.default.fileExists(atPath: text) else { throw ConfigurationError("No SQLite store at \(text).") }
            do {
                return try SQLiteKeyStore(path: text)
            } catch {
                throw ConfigurationError("Cannot open the SQLite store \(text): \(error)")
            }
        }
        let source = try open(from, create: false)
        let target = try open(to, create: true)
        let pools = clients
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in pools { group.addTask { await client.run() } }
            defer { group.cancelAll() }
            for store in [source, target] {
                if let postgres = store as? PostgresKeyStore { try await postgres.migrate() }
            }
            let report = try await Self.copy(from: source, to: target, sealer: sealer, merge: merge)
            print(report.summary)
            if !report.problems.isEmpty {
                for problem in report.problems.prefix(20) { print("verification: \(problem)") }
                throw ExitCode(1)
            }
        }
    }

    struct Report {
        var keys = 0, materials = 0, aliases = 0, grants = 0, wrappingKeys = 0, alreadyPresent = 0
        var problems: [String] = []

        var summary: String {
            "Copied \(keys) keys (\(materials) materials), \(aliases) aliases, \(grants) grants, \(wrappingKeys) import parameters; "
                + "\(alreadyPresent) items were already in the target. Verified: \(problems.isEmpty ? "every item is in the target and every material opens" : "\(problems.count) problems")."
        }
    }

    static func copy(from source: any KeyStore, to target: any KeyStore, sealer: MaterialSealer, merge: Bool) async throws -> Report {
        // The root key must be the one both stores were created under.
        guard let check = try await source.metaValue(RootKeyLoader.checkName) else {
            throw ConfigurationError("The source store has no root-key check value: it is empty or not a Coffer store.")
        }
        guard sealer.verifyCheckValue(check) else { throw RootKeyError.mismatch("the root key is not the one the source store was created with.") }
        let targetCheck = try await target.metaValue(RootKeyLoader.checkName)
        if let targetCheck, !sealer.verifyCheckValue(targetCheck) {
            throw RootKeyError.mismatch("the target store belongs to another root key.")
        }
        let targetScopes = try await target.scopes()
        let targetWrappingKeys = try await target.wrappingKeys()
        if !merge && !(targetScopes.isEmpty && targetWrappingKeys.isEmpty) {
            throw ConfigurationError("The target store is not empty; give --merge to copy into it anyway.")
        }
        _ = try await target.insertMetaValueIfAbsent(RootKeyLoader.checkName, check)

        var report = Report()
        try await source.forEachKey { key in
            let materials = try await source.sealedMaterials(keyID: key.id, in: key.scope)
            if let existing = try await target.key(key.id, in: key.scope) {
                guard existing == key else { throw ConfigurationError("\(key.arn) differs between the source and the target.") }
                report.alreadyPresent += 1
            } else {
                try await target.insertKey(key, materials: materials)
                report.keys += 1
                report.materials += materials.count
            }
            let present = Set(try await target.grants(forKey: key.id, in: key.scope).map(\.grantID))
            for grant in try await source.grants(forKey: key.id, in: key.scope) {
                if present.contains(grant.grantID) {
                    report.alreadyPresent += 1
                } else {
                    try await target.insertGrant(grant, limit: .max)
                    report.grants += 1
                }
            }
        }
        for scope in try await source.scopes() {
            var aliasAfter: AliasName?
            while true {
                let page = try await source.aliases(in: scope, targetKeyID: nil, after: aliasAfter, limit: 500)
                guard let last = page.last else { break }
                aliasAfter = last.name
                for alias in page {
                    if let existing = try await target.alias(alias.name, in: alias.scope) {
                        guard existing.targetKeyID == alias.targetKeyID else {
                            throw ConfigurationError("\(alias.scope.aliasARN(alias.name)) points at another key in the target.")
                        }
                        report.alreadyPresent += 1
                    } else {
                        try await target.insertAlias(alias, limit: .max)
                        report.aliases += 1
                    }
                }
            }
        }
        for wrapping in try await source.wrappingKeys() {
            if try await target.wrappingKey(wrapping.id) != nil {
                report.alreadyPresent += 1
            } else {
                try await target.insertWrappingKey(wrapping)
                report.wrappingKeys += 1
            }
        }
        report.problems = try await verify(source: source, target: target, sealer: sealer)
        return report
    }

    /// Every source item is in the target, equal, and every copied material opens under the root key.
    static func verify(source: any KeyStore, target: any KeyStore, sealer: MaterialSealer) async throws -> [String] {
        var problems: [String] = []
        try await source.forEachKey { key in
            guard try await target.key(key.id, in: key.scope) == key else {
                problems.append("\(key.arn) is missing or different")
                return
            }
            let wanted = try await source.sealedMaterials(keyID: key.id, in: key.scope)
            let copied = try await target.sealedMaterials(keyID: key.id, in: key.scope)
            if wanted != copied { problems.append("\(key.arn): materials differ") }
            for material in copied where (try? sealer.open(material.sealed, keyARN: key.arn, materialID: material.materialID)) == nil {
                problems.append("\(key.arn): material \(material.materialID) does not open under the root key")
            }
            let grants = try await source.grants(forKey: key.id, in: key.scope).map(\.grantID)
            let copiedGrants = Set(try await target.grants(forKey: key.id, in: key.scope).map(\.grantID))
            if !Set(grants).isSubset(of: copiedGrants) { problems.append("\(key.arn): grants missing") }
        }
        for scope in try await source.scopes() {
            let sourceAliases = try await source.aliases(in: scope, targetKeyID: nil, after: nil, limit: .max)
            for alias in sourceAliases {
                let copied = try await target.alias(alias.name, in: scope)
                if copied?.targetKeyID != alias.targetKeyID { problems.append("\(scope.aliasARN(alias.name)) is missing or points elsewhere") }
            }
        }
        for wrapping in try await source.wrappingKeys() {
            let copied = try await target.wrappingKey(wrapping.id)
            if copied != wrapping { problems.append("import parameters \(wrapping.id) are missing") }
        }
        return problems
    }
}
