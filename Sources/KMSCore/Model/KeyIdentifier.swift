/// What a caller may put in a `KeyId` member: a key ID, a key ARN, an alias name or an alias ARN.
public enum KeyIdentifier: Sendable, Hashable {
    case keyID(KeyID)
    case keyARN(KeyARN)
    case aliasName(AliasName)
    case aliasARN(scope: Scope, name: AliasName)

    /// Parses the text of a `KeyId` member.
    /// - Throws: `NotFoundException` ("Invalid keyId '...'") for text that is none of the four forms,
    ///   as AWS answers for malformed identifiers.
    public init(parsing text: String) throws(KMSError) {
        if text.hasPrefix("arn:") {
            guard let arn = ParsedARN(text) else { throw KMSError.notFound("Invalid arn \(text)") }
            switch arn.resource {
            case .key(let id): self = .keyARN(KeyARN(scope: arn.scope, keyID: id))
            case .alias(let name): self = .aliasARN(scope: arn.scope, name: name)
            }
        } else if text.hasPrefix("alias/") {
            guard let name = AliasName(text) else { throw KMSError.notFound("Invalid keyId '\(text)'") }
            self = .aliasName(name)
        } else if let id = KeyID(text) {
            self = .keyID(id)
        } else {
            throw KMSError.notFound("Invalid keyId '\(text)'")
        }
    }

    /// True for the two alias forms.
    public var isAlias: Bool {
        switch self {
        case .aliasName, .aliasARN: return true
        case .keyID, .keyARN: return false
        }
    }
}

/// A key ARN split into its scope and key ID.
public struct KeyARN: Sendable, Hashable {
    public var scope: Scope
    public var keyID: KeyID
    public var rawValue: String { scope.keyARN(keyID) }
}

/// A parsed KMS ARN (`arn:<partition>:kms:<region>:<account>:key/<id>` or `...:alias/<name>`).
public struct ParsedARN: Sendable, Hashable {
    public enum Resource: Sendable, Hashable {
        case key(KeyID)
        case alias(AliasName)
    }

    public var scope: Scope
    public var resource: Resource

    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "kms" else { return nil }
        let partition = String(parts[1])
        guard ["aws", "aws-cn", "aws-us-gov"].contains(partition) else { return nil }
        let region = String(parts[3])
        let account = String(parts[4])
        guard !region.isEmpty, account.utf8.count == 12, account.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let resource = String(parts[5])
        if resource.hasPrefix("key/") {
            guard let id = KeyID(String(resource.dropFirst(4))) else { return nil }
            self.resource = .key(id)
        } else if resource.hasPrefix("alias/") {
            guard let name = AliasName(resource) else { return nil }
            self.resource = .alias(name)
        } else {
            return nil
        }
        self.scope = Scope(partition: partition, accountID: account, region: region)
    }
}
