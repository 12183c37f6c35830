import Foundation
import KMSCore
import SigV4

/// The identities the server accepts, by access key ID.
public struct IdentityDirectory: Sendable {
    private let byAccessKey: [String: Identity]

    public init(_ identities: [Identity]) {
        var map: [String: Identity] = [:]
        for identity in identities { map[identity.accessKeyID] = identity }
        self.byAccessKey = map
    }

    public func identity(forAccessKeyID id: String) -> Identity? { byAccessKey[id] }

    /// The first identity whose principal ARN is `arn` (for `coffer authz explain`).
    public func identity(forPrincipal arn: String) -> Identity? {
        byAccessKey.values.sorted { $0.accessKeyID < $1.accessKeyID }.first { $0.principalARN.arn == arn }
    }

    public var count: Int { byAccessKey.count }

    /// One entry of the credentials file.
    struct Entry: Decodable {
        var accessKeyId: String
        var secretAccessKey: String
        var accountId: String?
        /// The earlier format's principal name: accepted, not used (an identity without `arn` is its account's root).
        var principal: String?
        var arn: String?
        var sessionToken: String?
        var policies: [JSONValue]?
        var tags: [String: String]?
    }

    /// Loads a credentials file: `{"identities": [{"accessKeyId", "secretAccessKey", "arn"?, "accountId"?, "principal"?,
    /// "sessionToken"?, "policies"?, "tags"?}]}` (docs/authorization.md). An identity without `arn` is its account's root.
    public static func load(from path: String) throws -> IdentityDirectory {
        struct File: Decodable { var identities: [Entry] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let file = try JSONDecoder().decode(File.self, from: data)
        var identities: [Identity] = []
        for entry in file.identities {
            guard !entry.accessKeyId.isEmpty, !entry.secretAccessKey.isEmpty else {
                throw ConfigurationError("An identity in \(path) has an empty access key ID or secret.")
            }
            let principal: PrincipalARN
            if let arn = entry.arn {
                guard let parsed = PrincipalARN(arn) else {
                    throw ConfigurationError(
                        "The arn '\(arn)' of access key '\(entry.accessKeyId)' is not an account root, IAM user, IAM role or assumed-role ARN."
                    )
                }
                if let account = entry.accountId, account != parsed.accountID {
                    throw ConfigurationError("Access key '\(entry.accessKeyId)': accountId \(account) differs from the account of \(arn).")
                }
                principal = parsed
            } else {
                guard let account = entry.accountId, PrincipalARN.isAccountID(account) else {
                    throw ConfigurationError(
                        "Account ID '\(entry.accountId ?? "")' of access key '\(entry.accessKeyId)' is not 12 digits (give \"arn\" or \"accountId\")."
                    )
                }
                principal = .root(account)
            }
            var policies: [PolicyDocument] = []
            for (index, policy) in (entry.policies ?? []).enumerated() {
                do {
                    policies.append(try PolicyDocument(policy, kind: .identity))
                } catch {
                    throw ConfigurationError("Policy \(index + 1) of access key '\(entry.accessKeyId)' is not valid: \(error.message)")
                }
            }
            identities.append(
                Identity(
                    accessKeyID: entry.accessKeyId, secretAccessKey: entry.secretAccessKey, principal: principal,
                    policies: policies, tags: entry.tags ?? [:], sessionToken: entry.sessionToken
                )
            )
        }
        return IdentityDirectory(identities)
    }
}
