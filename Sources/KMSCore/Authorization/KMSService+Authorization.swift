import Foundation
import Logging

/// The operations whose keys may belong to another account, named by key ARN or alias ARN (spec §1.3).
enum CrossAccount {
    static let operations: Set<OperationName> = [
        .decrypt, .encrypt, .generateDataKey, .generateDataKeyWithoutPlaintext, .generateDataKeyPair,
        .generateDataKeyPairWithoutPlaintext, .reEncrypt, .sign, .verify, .generateMac, .verifyMac, .deriveSharedSecret,
        .getPublicKey, .describeKey, .createGrant, .listGrants, .revokeGrant, .retireGrant, .getKeyRotationStatus,
    ]
}

extension KMSService {
    /// The only way an operation gets a key: parse the identifier, resolve an alias (remembered for `kms:RequestAlias`),
    /// load the live key (NotFoundException first, as AWS), then authorize `action` on it. Key-state checks follow in
    /// the operation, after authorization.
    /// - Parameters:
    ///   - action: the IAM action, e.g. `kms:Encrypt`, `kms:ReEncryptFrom`.
    ///   - operation: decides whether another account's key may be named (spec §1.3).
    func authorizedKey(
        _ text: String, caller: Caller, action: String, operation: OperationName, allowAlias: Bool, facts: RequestFacts = RequestFacts()
    ) async throws(KMSError) -> KeyRecord {
        let (key, alias) = try await locateKey(text, caller: caller, operation: operation, allowAlias: allowAlias)
        try await authorize(key: key, action: action, caller: caller, facts: facts, requestAlias: alias)
        return key
    }

    /// `authorizedKey` for the action named like the operation (`kms:<Operation>`).
    func authorizedKey(
        _ text: String, caller: Caller, operation: OperationName, allowAlias: Bool, facts: RequestFacts = RequestFacts()
    ) async throws(KMSError) -> KeyRecord {
        try await authorizedKey(text, caller: caller, action: "kms:\(operation.rawValue)", operation: operation, allowAlias: allowAlias, facts: facts)
    }

    /// Resolves a key identifier to a live key; a key ARN or alias ARN of another account resolves in that account
    /// for cross-account operations, and is an implicit denial for the others.
    func locateKey(_ text: String, caller: Caller, operation: OperationName, allowAlias: Bool) async throws(KMSError) -> (KeyRecord, String?) {
        let identifier = try KeyIdentifier(parsing: text)
        switch identifier {
        case .keyID(let id):
            return (try await liveKey(id, scope: caller.scope), nil)
        case .keyARN(let arn):
            let scope = try targetScope(arn.scope, caller: caller, operation: operation, resource: text)
            return (try await liveKey(arn.keyID, scope: scope), nil)
        case .aliasName(let name):
            guard allowAlias else { throw KMSError.notFound("Invalid keyId '\(text)'") }
            let target = try await aliasTarget(name, scope: caller.scope)
            return (try await liveKey(target, scope: caller.scope), name.rawValue)
        case .aliasARN(let aliasScope, let name):
            guard allowAlias else { throw KMSError.notFound("Invalid keyId '\(text)'") }
            let scope = try targetScope(aliasScope, caller: caller, operation: operation, resource: text)
            let target = try await aliasTarget(name, scope: scope)
            return (try await liveKey(target, scope: scope), name.rawValue)
        }
    }

    private func targetScope(_ scope: Scope, caller: Caller, operation: OperationName, resource: String) throws(KMSError) -> Scope {
        if scope.region != caller.scope.region { throw KMSError.notFound("Invalid arn \(scope.region)") }
        if scope.partition != caller.scope.partition { throw KMSError.notFound("Key '\(resource)' does not exist") }
        if scope.accountID != caller.scope.accountID {
            // With authorization off, accounts stay isolated as before.
            if authorization == .off { throw KMSError.notFound("Key '\(resource)' does not exist") }
            if !CrossAccount.operations.contains(operation) {
                // Key policies cannot give another account these operations (spec §1.3): AWS's implicit denial.
                let action = "kms:\(operation.rawValue)"
                let decision = Decision(effect: .implicitDeny, policyType: .resourceBased, explanation: [
                    "\(action) is not a cross-account operation: no key policy can allow it to account \(caller.scope.accountID)"
                ])
                try report(decision, principal: caller.principalARN, action: action, resource: resource)
            }
        }
        return scope
    }

    /// Authorizes `action` on `key` for the caller: key policy, identity policies, then grants (spec §1.1).
    func authorize(key: KeyRecord, action: String, caller: Caller, facts: RequestFacts, requestAlias: String? = nil) async throws(KMSError) {
        caller.trail?.touched(key)
        guard authorization != .off else { return }
        try checkGrantTokens(facts.grantTokens)
        let keyPolicy = try parsedPolicy(of: key)
        let needsAliases = keyPolicy.usesResourceAliases || caller.identityPolicies.contains(where: \.usesResourceAliases)
        let aliases = needsAliases ? try await store.aliases(in: key.scope, targetKeyID: key.id, after: nil, limit: 51).map(\.name.rawValue) : nil
        var context = authorizationContext(caller, facts: facts)
        context.requestAlias = requestAlias
        context.key = KeyFacts(key, aliases: aliases.flatMap { $0.count > 50 ? nil : $0 })
        let evaluator = PolicyEvaluator(
            action: action, resource: key.arn, resourceAccount: key.scope.accountID, keyPolicy: keyPolicy,
            identityPolicies: caller.identityPolicies, context: context
        )
        var decision = evaluator.evaluatePolicies()
        if decision.effect == .implicitDeny, key.grantsVersion != nil {
            let grants = try await cachedGrants(of: key)
            decision = evaluator.evaluate(grants: grants, childGrant: facts.childGrant)
        }
        if decision.isAllowed { return }
        let explained = evaluator.evaluate(grants: key.grantsVersion != nil ? (try await cachedGrants(of: key)) : [], childGrant: facts.childGrant, explain: true)
        try report(explained, principal: caller.principalARN, action: action, resource: key.arn)
    }

    /// Authorizes an action decided by identity policies alone: IAM-only actions (`resource` `*`) and alias resources.
    func authorize(action: String, resource: String = "*", caller: Caller, facts: RequestFacts = RequestFacts()) throws(KMSError) {
        guard authorization != .off else { return }
        try checkGrantTokens(facts.grantTokens)
        let evaluator = PolicyEvaluator(
            action: action, resource: resource, resourceAccount: nil, keyPolicy: nil, identityPolicies: caller.identityPolicies,
            context: authorizationContext(caller, facts: facts)
        )
        let decision = evaluator.evaluatePolicies()
        if decision.isAllowed { return }
        try report(evaluator.evaluatePolicies(explain: true), principal: caller.principalARN, action: action, resource: resource)
    }

    /// Logs a denial with its explanation; throws AccessDeniedException in enforce mode.
    func report(_ decision: Decision, principal: PrincipalARN, action: String, resource: String) throws(KMSError) {
        let message = decision.message(principal: principal, action: action, resource: resource)
        let metadata: Logger.Metadata = [
            "kms.authz.principal": "\(principal.arn)", "kms.authz.action": "\(action)", "kms.authz.resource": "\(resource)",
            "kms.authz.decision": "\(decision.effect.rawValue)",
            "kms.authz.explanation": .array(decision.explanation.map { .string($0) }),
        ]
        switch authorization {
        case .off:
            return
        case .audit:
            CofferMetrics.denial(action: action)
            logger.warning("kms.authz.would_deny", metadata: metadata)
        case .enforce:
            CofferMetrics.denial(action: action)
            logger.info("kms.authz.denied", metadata: metadata)
            throw KMSError(.accessDenied, message)
        }
    }

    func authorizationContext(_ caller: Caller, facts: RequestFacts) -> AuthorizationContext {
        AuthorizationContext(
            principal: caller.principalARN, principalTags: caller.principalTags, sourceIP: caller.sourceIP,
            secureTransport: caller.secureTransport, currentTime: clock.now(), region: caller.scope.region,
            encryptionContext: facts.encryptionContext, values: facts.values
        )
    }

    /// The key's policy, parsed once per policy text.
    func parsedPolicy(of key: KeyRecord) throws(KMSError) -> PolicyDocument {
        if let cached = keyPolicies[key.arn], cached.text == key.policy {
            CofferMetrics.cacheLookup(.policy, hit: true)
            return cached.document
        }
        CofferMetrics.cacheLookup(.policy, hit: false)
        let document: PolicyDocument
        do {
            document = try PolicyDocument(parsing: key.policy, kind: .key)
        } catch {
            // A policy stored before validation existed and no longer parses: it allows nothing.
            logger.warning("kms.authz.unparsable_policy", metadata: ["kms.key_arn": "\(key.arn)", "kms.error": "\(error.message)"])
            throw KMSError(.accessDenied, "The key policy of \(key.arn) cannot be evaluated.")
        }
        keyPolicies[key.arn] = CachedPolicy(text: key.policy, document: document)
        return document
    }

    /// The grants of a key, cached per grants version (bumped on every grant change).
    func cachedGrants(of key: KeyRecord) async throws(KMSError) -> [GrantRecord] {
        let slot = GrantSlot(keyARN: key.arn, version: key.grantsVersion ?? 0)
        if let cached = grantLists[slot] {
            CofferMetrics.cacheLookup(.grants, hit: true)
            return cached
        }
        CofferMetrics.cacheLookup(.grants, hit: false)
        let grants = try await store.grants(forKey: key.id, in: key.scope)
        grantLists[slot] = grants
        return grants
    }

    /// Every grant token must be one Coffer issued (authenticated); otherwise InvalidGrantTokenException.
    func checkGrantTokens(_ tokens: [String]?) throws(KMSError) {
        guard let tokens else { return }
        for token in tokens where GrantToken.open(token, sealer: sealer) == nil {
            throw KMSError(.invalidGrantToken, "The request was rejected because the specified grant token is not valid.")
        }
    }
}

struct CachedPolicy: Sendable {
    var text: String
    var document: PolicyDocument
}

struct GrantSlot: Hashable, Sendable {
    var keyARN: String
    var version: Int
}

/// Grant tokens: the grant's ID and key ARN sealed (AES-256-GCM) under the root key, base64. Opaque to clients,
/// authenticated, different on every CreateGrant (fresh nonce), and usable at once.
enum GrantToken {
    static let purpose = Array("coffer/grant-token/v1".utf8)

    static func make(grantID: String, keyARN: String, sealer: MaterialSealer) throws(KMSError) -> String {
        Data(try sealer.seal(bytes: Array("\(grantID)\n\(keyARN)".utf8), purpose: purpose)).base64EncodedString()
    }

    /// The grant ID and key ARN of a token, or nil when it is not one Coffer issued.
    static func open(_ token: String, sealer: MaterialSealer) -> (grantID: String, keyARN: String)? {
        guard token.utf8.count <= 8192, let data = Data(base64Encoded: token),
            let opened = sealer.open(bytes: Array(data), purpose: purpose)
        else { return nil }
        let text = opened.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        let parts = text.split(separator: "\n", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
