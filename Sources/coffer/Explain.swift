import ArgumentParser
import Foundation
import KMSCore
import KMSServer

/// `coffer authz explain`: evaluates a hypothetical request offline against the store and prints why it would be
/// allowed or denied. Exit status: 0 allowed, 1 denied, 2 configuration or store error, 64 usage error.
struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain the authorization decision for a principal, an action and a key.",
        discussion: """
            Reads the key policy and grants from the store named by the configuration file (or --data-dir) and the
            principal's identity policies and tags from its credentials file. Exit status: 0 when the request would be
            allowed, 1 when it would be denied, 2 on a configuration or store error, 64 on a command-line usage error.
            """
    )

    @Option(help: "The server's configuration file (JSON), for the store and the credentials file.") var config: String?
    @Option(name: .customLong("data-dir"), help: "Data directory of the store when no configuration file names one (default ./data).") var dataDir: String?
    @Option(help: "The caller's principal ARN, e.g. arn:aws:iam::111122223333:user/alice.") var principal: String
    @Option(help: "The action, e.g. kms:Encrypt.") var action: String
    @Option(help: "The key: key ID or key ARN (or an alias name).") var key: String
    @Option(help: "The Region of the key when --key is not an ARN (default us-east-1).") var region: String = "us-east-1"
    @Option(name: .customLong("context"), help: "An encryption context pair k=v (repeatable).") var context: [String] = []
    @Option(name: .customLong("condition"), help: "Another condition key value, name=value (repeatable), e.g. kms:EncryptionAlgorithm=SYMMETRIC_DEFAULT.")
    var conditions: [String] = []
    @Option(name: .customLong("source-ip"), help: "The caller's IP address (aws:SourceIp, default 127.0.0.1).") var sourceIP: String = "127.0.0.1"

    func run() async throws {
        do {
            let allowed = try await explain()
            if !allowed { throw ExitCode(1) }
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("coffer authz explain: \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as KMSError {
            FileHandle.standardError.write(Data("coffer authz explain: \(error.code.rawValue): \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }

    private static func aliasTarget(_ name: AliasName, scope: Scope, store: any KeyStore) async throws -> KeyRecord? {
        guard let alias = try await store.alias(name, in: scope) else { return nil }
        return try await store.key(alias.targetKeyID, in: scope)
    }

    private func explain() async throws -> Bool {
        guard let caller = PrincipalARN(principal) else {
            throw ConfigurationError("--principal \(principal) is not an account root, IAM user, IAM role or assumed-role ARN.")
        }
        let file = try config.map(ServerConfiguration.load) ?? ServerConfiguration()
        let dataDir = self.dataDir ?? file.dataDir ?? "./data"
        return try await ConfiguredStore.with(file, dataDir: dataDir) { store in
            try await explain(caller: caller, file: file, store: store)
        }
    }

    private func explain(caller: PrincipalARN, file: ServerConfiguration, store: any KeyStore) async throws -> Bool {
        let identity: Identity?
        if let credentialsFile = file.credentialsFile {
            identity = try IdentityDirectory.load(from: credentialsFile).identity(forPrincipal: caller.arn)
        } else {
            identity = caller == .root("000000000000") ? .development : nil
        }

        // The key.
        var scope = Scope(partition: caller.partition, accountID: caller.accountID, region: region)
        let record: KeyRecord?
        var requestAlias: String?
        switch try KeyIdentifier(parsing: key) {
        case .keyID(let id):
            record = try await store.key(id, in: scope)
        case .keyARN(let arn):
            scope = arn.scope
            record = try await store.key(arn.keyID, in: scope)
        case .aliasName(let name):
            requestAlias = name.rawValue
            record = try await Self.aliasTarget(name, scope: scope, store: store)
        case .aliasARN(let aliasScope, let name):
            scope = aliasScope
            requestAlias = name.rawValue
            record = try await Self.aliasTarget(name, scope: scope, store: store)
        }
        guard let record else { throw ConfigurationError("Key \(key) does not exist in \(scope.accountID)/\(scope.region).") }

        var encryptionContext: [String: String]?
        for pair in context {
            guard let eq = pair.firstIndex(of: "=") else { throw ConfigurationError("--context \(pair) is not k=v.") }
            encryptionContext = encryptionContext ?? [:]
            encryptionContext![String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        var values: [String: ConditionValue] = [:]
        for pair in conditions {
            guard let eq = pair.firstIndex(of: "=") else { throw ConfigurationError("--condition \(pair) is not name=value.") }
            values[String(pair[..<eq]).lowercased()] = .single(String(pair[pair.index(after: eq)...]))
        }
        let aliases = try await store.aliases(in: record.scope, targetKeyID: record.id, after: nil, limit: 51).map(\.name.rawValue)
        let authorizationContext = AuthorizationContext(
            principal: caller, principalTags: identity?.tags ?? [:], sourceIP: sourceIP, secureTransport: false, currentTime: Date(),
            region: scope.region, encryptionContext: encryptionContext, requestAlias: requestAlias, values: values,
            key: KeyFacts(record, aliases: aliases.count > 50 ? nil : aliases)
        )
        let policy = try PolicyDocument(parsing: record.policy, kind: .key)
        let evaluator = PolicyEvaluator(
            action: action, resource: record.arn, resourceAccount: record.scope.accountID, keyPolicy: policy,
            identityPolicies: identity?.policies ?? [], context: authorizationContext
        )
        let grants = try await store.grants(forKey: record.id, in: record.scope)
        let decision = evaluator.evaluate(grants: grants, explain: true)

        print("Principal: \(caller.arn)\(identity == nil ? " (no identity in the credentials file: no identity policies)" : "")")
        print("Action:    \(action)")
        print("Resource:  \(record.arn)")
        print("Considered:")
        for line in decision.explanation { print("  - \(line)") }
        if decision.isAllowed {
            print("Decision: ALLOW (\(decision.allowedBy ?? "allowed"))")
        } else {
            print("Decision: DENY (\(decision.effect.rawValue))")
            print("AWS would answer: AccessDeniedException: \(decision.message(principal: caller, action: action, resource: record.arn))")
        }
        return decision.isAllowed
    }
}
