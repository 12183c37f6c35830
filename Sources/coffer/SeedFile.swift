import Foundation
import KMSCore
import KMSServer
import Logging
import Yams

/// A seed file (docs/seed.md): keys with fixed IDs and material, and aliases, in YAML (or JSON, which YAML reads).
/// Parsed completely, then checked against the store, before anything is written: an invalid or conflicting file
/// changes nothing and names its line.
struct SeedFile {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var line: Int?
        var message: String
        var description: String { line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)" }
    }

    var path: String
    var keys: [(line: Int, declaration: KeyDeclaration)] = []
    var aliases: [(line: Int, declaration: AliasDeclaration)] = []

    static let defaultAccount = "000000000000"
    static let defaultRegion = "us-east-1"
    static let keyMembers: Set<String> = [
        "keyId", "accountId", "region", "keySpec", "keyUsage", "origin", "description", "material", "materialFile", "validTo", "enabled",
        "tags", "policy", "policyFile",
    ]
    static let aliasMembers: Set<String> = ["name", "targetKeyId", "accountId", "region"]

    /// Reads and checks the file's syntax and values (not yet against the store).
    static func load(_ path: String) throws(Failure) -> SeedFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(path: path, line: nil, message: "cannot read the seed file.") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(path: path, line: nil, message: "the seed file is not UTF-8.") }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Failure(path: path, line: Self.line(of: error), message: "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw Failure(path: path, line: nil, message: "not valid YAML: \(error)")
        }
        var seed = SeedFile(path: path)
        guard let root else { return seed }
        let parser = Parser(path: path, directory: (path as NSString).deletingLastPathComponent)
        guard let mapping = root.mapping else { throw parser.fail(root, "the seed file must be a mapping with keys and aliases.") }
        for (name, value) in mapping {
            switch name.string {
            case "keys":
                guard let list = value.sequence else { throw parser.fail(value, "keys must be a list.") }
                for item in list { seed.keys.append((parser.lineOf(item), try parser.key(item))) }
            case "aliases":
                guard let list = value.sequence else { throw parser.fail(value, "aliases must be a list.") }
                for item in list { seed.aliases.append((parser.lineOf(item), try parser.alias(item))) }
            default:
                throw parser.fail(name, "unknown member '\(name.string ?? "?")': a seed file has keys and aliases.")
            }
        }
        var seen: [String: Int] = [:]
        for (line, key) in seed.keys {
            let slot = "\(key.scope.accountID)/\(key.scope.region)/\(key.keyID.rawValue)"
            if let first = seen[slot] { throw Failure(path: path, line: line, message: "key \(key.keyID.rawValue) is declared twice (first on line \(first)).") }
            seen[slot] = line
        }
        return seed
    }

    /// Checks every declaration against the store, then creates what is missing. Nothing is written unless every
    /// declaration is valid and agrees with what is stored.
    /// - Returns: how many keys and aliases were created.
    func apply(to service: KMSService, logger: Logger) async throws(Failure) -> (keys: Int, aliases: Int) {
        var prepared: [PreparedKey] = []
        for (line, declaration) in keys {
            do {
                prepared.append(try await service.prepare(declaration))
            } catch {
                throw Failure(path: path, line: line, message: error.message)
            }
        }
        var newAliases: [AliasDeclaration] = []
        for (line, declaration) in aliases {
            let declared = Set(keys.filter { $0.declaration.scope == declaration.scope }.map(\.declaration.keyID))
            do {
                if try await service.prepare(declaration, declaredKeys: declared) { newAliases.append(declaration) }
            } catch {
                throw Failure(path: path, line: line, message: error.message)
            }
        }
        var created = 0
        for (index, key) in prepared.enumerated() {
            switch key.action {
            case .create:
                do {
                    try await service.apply(key)
                    created += 1
                } catch where error.code == .alreadyExists {
                    // Another node applying the same seed got there first: it must now match.
                    do {
                        _ = try await service.prepare(key.declaration)
                    } catch {
                        throw Failure(path: path, line: keys[index].line, message: error.message)
                    }
                } catch {
                    throw Failure(path: path, line: keys[index].line, message: error.message)
                }
            case .keep(let drift) where !drift.isEmpty:
                logger.notice(
                    "coffer.seed.drift",
                    metadata: [
                        "coffer.key_id": "\(key.declaration.keyID.rawValue)", "coffer.seed.line": "\(keys[index].line)",
                        "coffer.note": "differs from its declaration in \(drift.joined(separator: ", ")); left as it is",
                    ]
                )
            case .keep:
                break
            }
        }
        for alias in newAliases {
            do {
                try await service.apply(alias)
            } catch where error.code == .alreadyExists {
                let stored = try? await service.store.alias(alias.name, in: alias.scope)
                if stored?.targetKeyID != alias.targetKeyID {
                    throw Failure(path: path, line: aliases.first { $0.declaration.name == alias.name }?.line, message: error.message)
                }
            } catch {
                throw Failure(path: path, line: aliases.first { $0.declaration.name == alias.name }?.line, message: error.message)
            }
        }
        return (created, newAliases.count)
    }

    // MARK: Parsing

    private struct Parser {
        var path: String
        var directory: String

        func lineOf(_ node: Node) -> Int { node.mark?.line ?? 0 }

        func fail(_ node: Node, _ message: String) -> Failure {
            Failure(path: path, line: node.mark?.line, message: message)
        }

        func string(_ node: Node, _ name: String) throws(Failure) -> String {
            guard let scalar = node.scalar else { throw fail(node, "\(name) must be a string.") }
            return scalar.string
        }

        func members(_ node: Node, allowed: Set<String>, what: String) throws(Failure) -> [String: Node] {
            guard let mapping = node.mapping else { throw fail(node, "each entry of \(what) must be a mapping.") }
            var result: [String: Node] = [:]
            for (name, value) in mapping {
                guard let key = name.string, allowed.contains(key) else {
                    throw fail(name, "unknown member '\(name.string ?? "?")' in \(what); allowed: \(allowed.sorted().joined(separator: ", ")).")
                }
                guard result[key] == nil else { throw fail(name, "\(key) appears twice.") }
                result[key] = value
            }
            return result
        }

        func scope(_ members: [String: Node]) throws(Failure) -> Scope {
            let account = try members["accountId"].map { (node: Node) throws(Failure) -> String in try string(node, "accountId") } ?? SeedFile.defaultAccount
            if let node = members["accountId"], !PrincipalARN.isAccountID(account) { throw fail(node, "accountId '\(account)' is not 12 digits.") }
            let region = try members["region"].map { (node: Node) throws(Failure) -> String in try string(node, "region") } ?? SeedFile.defaultRegion
            if let node = members["region"], !Self.isRegion(region) { throw fail(node, "region '\(region)' is not a Region name such as us-east-1.") }
            return Scope(partition: Caller.partition(forRegion: region), accountID: account, region: region)
        }

        static func isRegion(_ text: String) -> Bool {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 3, let last = parts.last, last.allSatisfy(\.isNumber) else { return false }
            return parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isLowercase && $0.isASCII } }
        }

        func enumValue<E: RawRepresentable & CaseIterable>(_ node: Node?, _ name: String, _ type: E.Type) throws(Failure) -> E? where E.RawValue == String {
            guard let node else { return nil }
            let text = try string(node, name)
            guard let value = E(rawValue: text) else {
                throw fail(node, "\(name) '\(text)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return value
        }

        func bool(_ node: Node?, _ name: String) throws(Failure) -> Bool? {
            guard let node else { return nil }
            switch try string(node, name).lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            case let other: throw fail(node, "\(name) '\(other)' is not true or false.")
            }
        }

        func file(_ node: Node, _ name: String) throws(Failure) -> [UInt8] {
            let relative = try string(node, name)
            let full = relative.hasPrefix("/") ? relative : (directory as NSString).appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: full) else { throw fail(node, "\(name): cannot read \(full).") }
            return Array(data)
        }

        func key(_ node: Node) throws(Failure) -> KeyDeclaration {
            let members = try members(node, allowed: SeedFile.keyMembers, what: "keys")
            guard let idNode = members["keyId"] else { throw fail(node, "keyId is required.") }
            let idText = try string(idNode, "keyId")
            guard let keyID = KeyID(idText) else {
                throw fail(idNode, "keyId '\(idText)' is not a key ID: a UUID, or mrk- and 32 hex digits for a multi-Region key.")
            }
            let spec = try enumValue(members["keySpec"], "keySpec", KeySpec.self) ?? .symmetricDefault
            let usage = try enumValue(members["keyUsage"], "keyUsage", KeyUsage.self)
            let origin = try enumValue(members["origin"], "origin", Origin.self) ?? .awsKMS
            if members["material"] != nil && members["materialFile"] != nil { throw fail(node, "give material or materialFile, not both.") }
            if members["policy"] != nil && members["policyFile"] != nil { throw fail(node, "give policy or policyFile, not both.") }
            var material: [UInt8]?
            if let materialNode = members["material"] {
                let text = try string(materialNode, "material")
                guard let data = Data(base64Encoded: text.filter { !$0.isWhitespace }) else { throw fail(materialNode, "material is not base64.") }
                material = try privateKeyIfPEM(Array(data), spec: spec, node: materialNode)
            } else if let fileNode = members["materialFile"] {
                material = try privateKeyIfPEM(try file(fileNode, "materialFile"), spec: spec, node: fileNode)
            }
            var validTo: Date?
            if let validNode = members["validTo"] {
                let text = try string(validNode, "validTo")
                guard let date = AuditTime.parse(text) else { throw fail(validNode, "validTo '\(text)' is not an ISO 8601 time such as 2030-01-01T00:00:00Z.") }
                validTo = date
            }
            var tags: [KMSCore.Tag] = []
            if let tagNode = members["tags"] {
                guard let mapping = tagNode.mapping else { throw fail(tagNode, "tags must be a mapping of tag keys to values.") }
                for (name, value) in mapping { tags.append(KMSCore.Tag(key: try string(name, "a tag key"), value: try string(value, "a tag value"))) }
            }
            var policy: String?
            if let policyNode = members["policy"] { policy = try string(policyNode, "policy") }
            if let policyNode = members["policyFile"] { policy = String(decoding: try file(policyNode, "policyFile"), as: UTF8.self) }
            let description = try members["description"].map { (node: Node) throws(Failure) -> String in try string(node, "description") } ?? ""
            return KeyDeclaration(
                keyID: keyID, scope: try scope(members), keySpec: spec, keyUsage: usage, origin: origin, description: description,
                material: material, validTo: validTo, enabled: try bool(members["enabled"], "enabled") ?? true, tags: tags, policy: policy
            )
        }

        /// Asymmetric material may be PEM (or DER) in any of the formats `coffer byok` reads; it becomes PKCS#8 DER.
        func privateKeyIfPEM(_ bytes: [UInt8], spec: KeySpec, node: Node) throws(Failure) -> [UInt8] {
            guard spec != .symmetricDefault, !spec.rawValue.hasPrefix("HMAC") else { return bytes }
            do {
                return try KeyFile.privateKeyPKCS8(bytes)
            } catch {
                throw fail(node, "the material is not a private key: \(error)")
            }
        }

        func alias(_ node: Node) throws(Failure) -> AliasDeclaration {
            let members = try members(node, allowed: SeedFile.aliasMembers, what: "aliases")
            guard let nameNode = members["name"] else { throw fail(node, "name is required.") }
            guard let targetNode = members["targetKeyId"] else { throw fail(node, "targetKeyId is required.") }
            let nameText = try string(nameNode, "name")
            let name: AliasName
            do {
                name = try AliasName(validating: nameText)
            } catch {
                throw fail(nameNode, error.message)
            }
            let targetText = try string(targetNode, "targetKeyId")
            guard let target = KeyID(targetText) else { throw fail(targetNode, "targetKeyId '\(targetText)' is not a key ID.") }
            return AliasDeclaration(name: name, scope: try scope(members), targetKeyID: target)
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}
