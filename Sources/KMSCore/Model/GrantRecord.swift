import Foundation

/// The encryption-context constraint of a grant: exactly one of the two members is set.
public struct GrantConstraints: Sendable, Hashable, Codable {
    public var encryptionContextEquals: [String: String]?
    public var encryptionContextSubset: [String: String]?

    enum CodingKeys: String, CodingKey {
        case encryptionContextEquals = "EncryptionContextEquals", encryptionContextSubset = "EncryptionContextSubset"
    }

    public init(encryptionContextEquals: [String: String]? = nil, encryptionContextSubset: [String: String]? = nil) {
        self.encryptionContextEquals = encryptionContextEquals
        self.encryptionContextSubset = encryptionContextSubset
    }

    /// Whether a request's encryption context satisfies the constraint. Context keys compare case-insensitively,
    /// values case-sensitively (spec §1.5).
    public func admits(_ context: [String: String]?) -> Bool {
        let request = context ?? [:]
        func contains(_ pair: (key: String, value: String)) -> Bool {
            let wanted = pair.key.lowercased()
            return request.contains { $0.key.lowercased() == wanted && $0.value == pair.value }
        }
        if let equals = encryptionContextEquals {
            return request.count == equals.count && equals.allSatisfy(contains)
        }
        if let subset = encryptionContextSubset {
            return subset.allSatisfy(contains)
        }
        return true
    }

    /// Whether a child grant's constraints are at least as strict as these (a parent grant's): a Subset parent admits
    /// a Subset or Equals child holding all its pairs; an Equals parent admits only an Equals child with the same pairs.
    public func isAtLeastAsStrict(_ child: GrantConstraints?) -> Bool {
        if let equals = encryptionContextEquals {
            guard let childEquals = child?.encryptionContextEquals else { return false }
            return GrantConstraints(encryptionContextEquals: equals).admits(childEquals)
        }
        if let subset = encryptionContextSubset {
            guard let child else { return false }
            let pairs = child.encryptionContextEquals ?? child.encryptionContextSubset ?? [:]
            return GrantConstraints(encryptionContextSubset: subset).admits(pairs)
        }
        return true
    }

    /// `kms:GrantConstraintType`.
    public var typeName: String? {
        if encryptionContextEquals != nil { return "EncryptionContextEquals" }
        if encryptionContextSubset != nil { return "EncryptionContextSubset" }
        return nil
    }
}

/// A grant as stored.
public struct GrantRecord: Sendable, Hashable, Codable {
    /// 64 lower-case hex digits.
    public var grantID: String
    public var keyID: KeyID
    public var scope: Scope
    public var name: String?
    public var creationDate: Date
    public var granteePrincipal: String
    public var retiringPrincipal: String?
    /// The account that created the grant (`IssuingAccount` is its root ARN).
    public var issuingAccountID: String
    /// Grant operation names (`Decrypt`, `ReEncryptFrom`, ...).
    public var operations: [String]
    public var constraints: GrantConstraints?

    public init(
        grantID: String, keyID: KeyID, scope: Scope, name: String?, creationDate: Date, granteePrincipal: String,
        retiringPrincipal: String?, issuingAccountID: String, operations: [String], constraints: GrantConstraints?
    ) {
        self.grantID = grantID
        self.keyID = keyID
        self.scope = scope
        self.name = name
        self.creationDate = creationDate
        self.granteePrincipal = granteePrincipal
        self.retiringPrincipal = retiringPrincipal
        self.issuingAccountID = issuingAccountID
        self.operations = operations
        self.constraints = constraints
    }

    public var keyARN: String { scope.keyARN(keyID) }

    /// Whether the grant's grantee covers the caller: the same principal, a role covering its sessions, or an
    /// account root covering every principal of its account.
    public func isGrantee(_ caller: PrincipalARN) -> Bool {
        PrincipalARN(granteePrincipal)?.covers(caller, accountCovers: true) ?? false
    }

    /// Whether the caller is the grant's retiring principal (a role covering its sessions). An account root named as
    /// retiring principal is that root; the account's other principals need its IAM permission (RetireGrant).
    public func isRetiringPrincipal(_ caller: PrincipalARN) -> Bool {
        guard let retiringPrincipal, let named = PrincipalARN(retiringPrincipal) else { return false }
        return named.covers(caller, accountCovers: false)
    }

    /// Whether the grant permits `operation` (an action name without `kms:`) for a request with this context.
    /// Constraints apply only to operations that take an encryption context (spec §1.8): not to DescribeKey,
    /// RetireGrant or the asymmetric and HMAC operations.
    public func permits(_ operation: String, context: [String: String]?) -> Bool {
        guard operations.contains(operation) else { return false }
        guard Self.contextOperations.contains(operation) else { return true }
        return constraints?.admits(context) ?? true
    }

    static let contextOperations: Set<String> = [
        "Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "CreateGrant",
    ]
}
