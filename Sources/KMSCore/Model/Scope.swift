/// The (partition, account, Region) a request acts in. Every resource is isolated per scope.
public struct Scope: Sendable, Hashable, Codable {
    public var partition: String
    public var accountID: String
    public var region: String

    public init(partition: String = "aws", accountID: String, region: String) {
        self.partition = partition
        self.accountID = accountID
        self.region = region
    }

    /// `arn:<partition>:kms:<region>:<account>:key/<id>`
    public func keyARN(_ id: KeyID) -> String { "arn:\(partition):kms:\(region):\(accountID):key/\(id.rawValue)" }

    /// `arn:<partition>:kms:<region>:<account>:<alias/name>`
    public func aliasARN(_ name: AliasName) -> String { "arn:\(partition):kms:\(region):\(accountID):\(name.rawValue)" }

    /// The account root principal used in the default key policy.
    public var accountRootARN: String { "arn:\(partition):iam::\(accountID):root" }
}

/// Who made a request: the verified identity and the scope taken from its credential scope.
public struct Caller: Sendable, Hashable {
    public var scope: Scope
    public var principal: String
    public var accessKeyID: String

    public init(scope: Scope, principal: String, accessKeyID: String) {
        self.scope = scope
        self.principal = principal
        self.accessKeyID = accessKeyID
    }
}
