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
    /// (Written straight into one allocation: interpolation costs ~4,000 instructions a call, and an Encrypt makes
    /// several; bench/callgrind-guard.)
    public func keyARN(_ id: KeyID) -> String {
        let parts = ["arn:", partition, ":kms:", region, ":", accountID, ":key/", id.rawValue]
        return String(unsafeUninitializedCapacity: parts.reduce(0) { $0 + $1.utf8.count }) { buffer in
            var offset = 0
            for var part in parts {
                part.withUTF8 { bytes in
                    for byte in bytes {
                        buffer[offset] = byte
                        offset += 1
                    }
                }
            }
            return offset
        }
    }

    /// `arn:<partition>:kms:<region>:<account>:<alias/name>`
    public func aliasARN(_ name: AliasName) -> String { "arn:\(partition):kms:\(region):\(accountID):\(name.rawValue)" }

    /// The account root principal used in the default key policy.
    public var accountRootARN: String { "arn:\(partition):iam::\(accountID):root" }
}

/// Who made a request and how: the verified identity (principal, its identity policies and tags), the scope taken from
/// its credential scope, and the connection facts policies can test. Built once per request at the edge; operations
/// read facts from it, never from HTTP.
public struct Caller: Sendable, Hashable {
    public var scope: Scope
    public var accessKeyID: String
    public var principalARN: PrincipalARN
    public var identityPolicies: [PolicyDocument]
    public var principalTags: [String: String]
    public var sourceIP: String?
    public var secureTransport: Bool
    /// The request's ID (`x-amzn-RequestId`), for GetKeyLastUsage's KmsRequestId.
    public var requestID: String
    /// Where the keys this request touches are recorded (the audit record's resources).
    public var trail: RequestTrail?

    /// The principal's ARN as AWS prints it.
    public var principal: String { principalARN.arn }

    public init(
        scope: Scope, principal: PrincipalARN? = nil, accessKeyID: String, identityPolicies: [PolicyDocument] = [],
        principalTags: [String: String] = [:], sourceIP: String? = nil, secureTransport: Bool = false, requestID: String = "",
        trail: RequestTrail? = nil
    ) {
        let arn = principal ?? .root(scope.accountID, partition: scope.partition)
        self.scope = scope
        self.accessKeyID = accessKeyID
        self.principalARN = arn
        self.identityPolicies = identityPolicies
        self.principalTags = principalTags
        self.sourceIP = sourceIP
        self.secureTransport = secureTransport
        self.requestID = requestID
        self.trail = trail
    }
}
