import Foundation
import KMSCore
import SigV4

/// One caller identity: SigV4 credentials bound to a principal (its ARN gives the account), the IAM policies attached
/// to it and its principal tags.
public struct Identity: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var principalARN: PrincipalARN
    public var policies: [PolicyDocument]
    public var tags: [String: String]

    public var accountID: String { principalARN.accountID }

    public init(
        accessKeyID: String, secretAccessKey: String, principal: PrincipalARN, policies: [PolicyDocument] = [],
        tags: [String: String] = [:], sessionToken: String? = nil
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.principalARN = principal
        self.policies = policies
        self.tags = tags
    }

    /// The development identity used when no credentials file is configured: the root of account 000000000000.
    public static let development = Identity(accessKeyID: "test", secretAccessKey: "test", principal: .root("000000000000"))
}
