import Foundation
import SigV4

public struct CreateGrantRequest: Decodable, Sendable {
    var keyID: String
    var granteePrincipal: String
    var retiringPrincipal: String?
    var operations: [String]
    var constraints: GrantConstraints?
    var grantTokens: [String]?
    var name: String?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", granteePrincipal = "GranteePrincipal", retiringPrincipal = "RetiringPrincipal", operations = "Operations"
        case constraints = "Constraints", grantTokens = "GrantTokens", name = "Name", dryRun = "DryRun"
    }
}

public struct CreateGrantResponse: Encodable, Sendable {
    var grantToken: String
    var grantID: String
    enum CodingKeys: String, CodingKey { case grantToken = "GrantToken", grantID = "GrantId" }
}

public struct ListGrantsRequest: Decodable, Sendable {
    var keyID: String
    var limit: Int?
    var marker: String?
    var grantID: String?
    var granteePrincipal: String?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", limit = "Limit", marker = "Marker", grantID = "GrantId", granteePrincipal = "GranteePrincipal"
    }
}

public struct ListRetirableGrantsRequest: Decodable, Sendable {
    var retiringPrincipal: String
    var limit: Int?
    var marker: String?
    enum CodingKeys: String, CodingKey { case retiringPrincipal = "RetiringPrincipal", limit = "Limit", marker = "Marker" }
}

public struct GrantListEntry: Encodable, Sendable {
    var keyID: String
    var grantID: String
    var name: String
    var creationDate: Date
    var granteePrincipal: String
    var retiringPrincipal: String?
    var issuingAccount: String
    var operations: [String]
    var constraints: GrantConstraints?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", grantID = "GrantId", name = "Name", creationDate = "CreationDate", granteePrincipal = "GranteePrincipal"
        case retiringPrincipal = "RetiringPrincipal", issuingAccount = "IssuingAccount", operations = "Operations", constraints = "Constraints"
    }

    init(_ grant: GrantRecord) {
        keyID = grant.keyARN
        grantID = grant.grantID
        name = grant.name ?? ""
        creationDate = grant.creationDate
        granteePrincipal = grant.granteePrincipal
        retiringPrincipal = grant.retiringPrincipal
        issuingAccount = "arn:\(grant.scope.partition):iam::\(grant.issuingAccountID):root"
        operations = grant.operations
        constraints = grant.constraints
    }
}

public struct ListGrantsResponse: Encodable, Sendable {
    var grants: [GrantListEntry]
    var nextMarker: String?
    var truncated: Bool
    enum CodingKeys: String, CodingKey { case grants = "Grants", nextMarker = "NextMarker", truncated = "Truncated" }
}

public struct RetireGrantRequest: Decodable, Sendable {
    var grantToken: String?
    var keyID: String?
    var grantID: String?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey { case grantToken = "GrantToken", keyID = "KeyId", grantID = "GrantId", dryRun = "DryRun" }
}

public struct RevokeGrantRequest: Decodable, Sendable {
    var keyID: String
    var grantID: String
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", grantID = "GrantId", dryRun = "DryRun" }
}

/// Grant rules: which operations a key can grant, constraint limits, identifiers.
enum GrantRules {
    static let maximumGrantsPerKey = 50_000
    static let maximumConstraintPairs = 8
    static let maximumConstraintValue = 384

    static let common: Set<String> = ["CreateGrant", "RetireGrant", "DescribeKey"]

    /// The grant operations a key of this spec and usage supports (spec §1.8).
    static func supportedOperations(_ key: KeyRecord) -> Set<String> {
        switch key.keyUsage {
        case .encryptDecrypt where key.keySpec == .symmetricDefault:
            return common.union([
                "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
                "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
            ])
        case .encryptDecrypt:
            return common.union(["Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"])
        case .signVerify:
            return common.union(["Sign", "Verify", "GetPublicKey"])
        case .generateVerifyMac:
            return common.union(["GenerateMac", "VerifyMac"])
        case .keyAgreement:
            return common.union(["DeriveSharedSecret", "GetPublicKey"])
        }
    }

    /// 64 lower-case hex digits, as AWS's grant IDs.
    static func checkGrantID(_ id: String) throws(KMSError) {
        guard id.utf8.count == 64, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw KMSError(.invalidGrantID, "Invalid grant ID '\(id.prefix(128))'.")
        }
    }

    static func principal(_ text: String, member: String) throws(KMSError) -> PrincipalARN {
        guard let principal = PrincipalARN(text) else {
            throw KMSError(.invalidArn, "\(member) \(text) is not a valid principal ARN.")
        }
        return principal
    }

    static func checkConstraints(_ constraints: GrantConstraints?, key: KeyRecord) throws(KMSError) {
        // Both constraints at once are refused by createGrant before the key is even looked up.
        guard let pairs = constraints?.encryptionContextEquals ?? constraints?.encryptionContextSubset else { return }
        if key.keySpec != .symmetricDefault {
            throw KMSError.validation("Grant constraints are supported only on grants for symmetric encryption KMS keys.")
        }
        if pairs.count > maximumConstraintPairs {
            throw KMSError.validation("A grant constraint can contain at most \(maximumConstraintPairs) encryption context pairs.")
        }
        if pairs.contains(where: { $0.value.count > maximumConstraintValue || $0.key.count > maximumConstraintValue }) {
            throw KMSError.validation("Encryption context keys and values in a grant constraint can be at most \(maximumConstraintValue) characters.")
        }
    }

    static func sameProperties(_ grant: GrantRecord, _ request: CreateGrantRequest) -> Bool {
        grant.granteePrincipal == request.granteePrincipal && grant.retiringPrincipal == request.retiringPrincipal
            && Set(grant.operations) == Set(request.operations) && grant.constraints == normalized(request.constraints)
    }

    /// An empty constraint object is no constraint.
    static func normalized(_ constraints: GrantConstraints?) -> GrantConstraints? {
        guard let constraints, constraints.encryptionContextEquals != nil || constraints.encryptionContextSubset != nil else { return nil }
        return constraints
    }
}

extension KMSService {
    /// [CreateGrant](https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html)
    public func createGrant(_ request: CreateGrantRequest, caller: Caller) async throws(KMSError) -> CreateGrantResponse {
        _ = try GrantRules.principal(request.granteePrincipal, member: "GranteePrincipal")
        if let retiring = request.retiringPrincipal { _ = try GrantRules.principal(retiring, member: "RetiringPrincipal") }
        guard !request.operations.isEmpty else {
            throw KMSError.validation("1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1")
        }
        let constraints = GrantRules.normalized(request.constraints)
        if let constraints, constraints.encryptionContextEquals != nil && constraints.encryptionContextSubset != nil {
            throw KMSError.validation("More than one constraint supplied")
        }
        let (key, _) = try await locateKey(request.keyID, caller: caller, operation: .createGrant, allowAlias: false)
        var facts = RequestFacts(
            encryptionContext: constraints?.encryptionContextEquals ?? constraints?.encryptionContextSubset, grantTokens: request.grantTokens
        )
        facts.set("kms:GrantOperations", request.operations)
        facts.set("kms:GranteePrincipal", request.granteePrincipal)
        facts.set("kms:RetiringPrincipal", request.retiringPrincipal)
        facts.set("kms:GrantConstraintType", constraints?.typeName)
        facts.childGrant = ChildGrant(operations: request.operations, constraints: constraints)
        try await authorize(key: key, action: "kms:CreateGrant", caller: caller, facts: facts)
        try KeyStateRules.check(.createGrant, key)
        let unsupported = request.operations.filter { !GrantRules.supportedOperations(key).contains($0) }
        if !unsupported.isEmpty {
            throw KMSError.validation(
                "Grant operations \(unsupported.joined(separator: ", ")) are not supported for a key with key spec \(key.keySpec.rawValue) and key usage \(key.keyUsage.rawValue)."
            )
        }
        try GrantRules.checkConstraints(constraints, key: key)
        try Self.checkDryRun(request.dryRun)

        if let name = request.name, key.grantsVersion != nil,
            let existing = try await store.grants(forKey: key.id, in: key.scope).first(where: { $0.name == name && GrantRules.sameProperties($0, request) })
        {
            return CreateGrantResponse(grantToken: try GrantToken.make(grantID: existing.grantID, keyARN: key.arn, sealer: sealer), grantID: existing.grantID)
        }
        let grant = GrantRecord(
            grantID: Hex.encode(random.bytes(32)), keyID: key.id, scope: key.scope, name: request.name, creationDate: clock.now(),
            granteePrincipal: request.granteePrincipal, retiringPrincipal: request.retiringPrincipal, issuingAccountID: caller.scope.accountID,
            operations: request.operations, constraints: constraints
        )
        try await store.insertGrant(grant, limit: GrantRules.maximumGrantsPerKey)
        try await bumpGrantsVersion(key)
        return CreateGrantResponse(grantToken: try GrantToken.make(grantID: grant.grantID, keyARN: key.arn, sealer: sealer), grantID: grant.grantID)
    }

    /// [ListGrants](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html): oldest first, by grant ID marker.
    public func listGrants(_ request: ListGrantsRequest, caller: Caller) async throws(KMSError) -> ListGrantsResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .listGrants, allowAlias: false)
        if let grantID = request.grantID { try GrantRules.checkGrantID(grantID) }
        if let grantee = request.granteePrincipal { _ = try GrantRules.principal(grantee, member: "GranteePrincipal") }
        let all = key.grantsVersion == nil ? [] : try await store.grants(forKey: key.id, in: key.scope)
        let filtered = all.filter {
            (request.grantID == nil || $0.grantID == request.grantID) && (request.granteePrincipal == nil || $0.granteePrincipal == request.granteePrincipal)
        }
        return try Self.page(filtered, limit: request.limit, marker: request.marker)
    }

    /// [ListRetirableGrants](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html): grants in
    /// this Region, on keys of any account, whose retiring principal is the one given.
    public func listRetirableGrants(_ request: ListRetirableGrantsRequest, caller: Caller) async throws(KMSError) -> ListGrantsResponse {
        try authorize(action: "kms:ListRetirableGrants", caller: caller)
        _ = try GrantRules.principal(request.retiringPrincipal, member: "RetiringPrincipal")
        let grants = try await store.grants(retiringPrincipal: request.retiringPrincipal, region: caller.scope.region)
        return try Self.page(grants, limit: request.limit, marker: request.marker)
    }

    static func page(_ grants: [GrantRecord], limit: Int?, marker: String?) throws(KMSError) -> ListGrantsResponse {
        let limit = Pagination.limit(limit, default: 50, max: 100)
        var start = 0
        if let marker {
            guard let index = grants.firstIndex(where: { $0.grantID == marker }) else {
                throw KMSError(.invalidMarker, "Invalid marker '\(marker.prefix(256))'")
            }
            start = index + 1
        }
        let visible = grants[start...].prefix(limit)
        let truncated = start + visible.count < grants.count
        return ListGrantsResponse(
            grants: visible.map(GrantListEntry.init), nextMarker: truncated ? visible.last?.grantID : nil, truncated: truncated
        )
    }

    /// [RetireGrant](https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html): by the retiring principal,
    /// the grantee when the grant includes RetireGrant, or the account that issued the grant (its root, or principals it
    /// allows `kms:RetireGrant` in an identity policy). A key policy's `kms:RetireGrant` has no effect (spec §1.8).
    public func retireGrant(_ request: RetireGrantRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let keyText: String
        let grantID: String
        if let token = request.grantToken {
            guard let opened = GrantToken.open(token, sealer: sealer) else {
                throw KMSError(.invalidGrantToken, "The request was rejected because the specified grant token is not valid.")
            }
            if let requested = request.grantID, requested != opened.grantID {
                throw KMSError(.invalidGrantID, "The grant ID does not match the grant token.")
            }
            (grantID, keyText) = opened
        } else {
            guard let key = request.keyID, let id = request.grantID else {
                throw KMSError.validation("Either GrantToken, or both KeyId and GrantId, must be specified.")
            }
            try GrantRules.checkGrantID(id)
            (grantID, keyText) = (id, key)
        }
        // The caller may be in any account: locate the key without the cross-account denial of other operations.
        let (key, _) = try await locateKey(keyText, caller: caller, operation: .retireGrant, allowAlias: false)
        guard let grant = try await grant(grantID, of: key) else { throw Self.grantNotFound(grantID) }
        try authorizeRetirement(of: grant, key: key, caller: caller)
        try Self.checkDryRun(request.dryRun)
        try await removeGrant(grant, key: key)
        return EmptyResponse()
    }

    /// [RevokeGrant](https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html)
    public func revokeGrant(_ request: RevokeGrantRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .revokeGrant, allowAlias: false)
        try GrantRules.checkGrantID(request.grantID)
        guard let grant = try await grant(request.grantID, of: key) else { throw Self.grantNotFound(request.grantID) }
        try Self.checkDryRun(request.dryRun)
        try await removeGrant(grant, key: key)
        return EmptyResponse()
    }

    static func grantNotFound(_ id: String) -> KMSError { KMSError.notFound("Grant ID \(id) not found") }

    private func grant(_ id: String, of key: KeyRecord) async throws(KMSError) -> GrantRecord? {
        guard key.grantsVersion != nil else { return nil }
        return try await store.grants(forKey: key.id, in: key.scope).first { $0.grantID == id }
    }

    private func removeGrant(_ grant: GrantRecord, key: KeyRecord) async throws(KMSError) {
        guard try await store.deleteGrant(grant.grantID, keyID: key.id, in: key.scope) else { throw Self.grantNotFound(grant.grantID) }
        try await bumpGrantsVersion(key)
    }

    private func bumpGrantsVersion(_ key: KeyRecord) async throws(KMSError) {
        _ = try await updateKey(key, for: nil) { (record: inout KeyRecord, _: inout MaterialChanges) throws(KMSError) in
            record.grantsVersion = (record.grantsVersion ?? 0) + 1
        }
    }

    private func authorizeRetirement(of grant: GrantRecord, key: KeyRecord, caller: Caller) throws(KMSError) {
        guard authorization != .off else { return }
        let principal = caller.principalARN
        let evaluator = PolicyEvaluator(
            action: "kms:RetireGrant", resource: key.arn, resourceAccount: nil, keyPolicy: nil, identityPolicies: caller.identityPolicies,
            context: authorizationContext(caller, facts: RequestFacts())
        )
        let identity = evaluator.evaluatePolicies()
        if identity.effect == .explicitDeny {
            try report(evaluator.evaluatePolicies(explain: true), principal: principal, action: "kms:RetireGrant", resource: key.arn)
            return
        }
        let byRetiringPrincipal = grant.isRetiringPrincipal(principal)
        let byGrantee = grant.isGrantee(principal) && grant.operations.contains("RetireGrant")
        let retiringAccount = grant.retiringPrincipal.flatMap(PrincipalARN.init)?.accountID
        let byAccount = (principal.accountID == grant.issuingAccountID || principal.accountID == retiringAccount) && identity.isAllowed
        if byRetiringPrincipal || byGrantee || byAccount { return }
        let decision = Decision(effect: .implicitDeny, policyType: .identityBased, explanation: [
            "the caller is not the grant's retiring principal, not a grantee holding RetireGrant, and not allowed kms:RetireGrant by its account"
        ])
        try report(decision, principal: principal, action: "kms:RetireGrant", resource: key.arn)
    }
}
