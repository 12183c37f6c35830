import Foundation
import KMSCore
import SigV4

/// One caller identity: SigV4 credentials bound to an account and a principal name.
public struct Identity: Sendable, Hashable, Codable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var accountID: String
    public var principal: String
    public var sessionToken: String?

    enum CodingKeys: String, CodingKey {
        case accessKeyID = "accessKeyId", secretAccessKey, accountID = "accountId", principal, sessionToken
    }

    public init(accessKeyID: String, secretAccessKey: String, accountID: String, principal: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.accountID = accountID
        self.principal = principal
        self.sessionToken = sessionToken
    }

    /// The development identity used when no credentials file is configured.
    public static let development = Identity(
        accessKeyID: "test", secretAccessKey: "test", accountID: "000000000000", principal: "arn:aws:iam::000000000000:root"
    )
}

/// The identities the server accepts, by access key ID.
public struct IdentityDirectory: Sendable {
    private let byAccessKey: [String: Identity]

    public init(_ identities: [Identity]) {
        var map: [String: Identity] = [:]
        for identity in identities { map[identity.accessKeyID] = identity }
        self.byAccessKey = map
    }

    public func identity(forAccessKeyID id: String) -> Identity? { byAccessKey[id] }

    public var count: Int { byAccessKey.count }

    /// Loads a credentials file: `{"identities": [{"accessKeyId", "secretAccessKey", "accountId", "principal", "sessionToken"?}]}`.
    public static func load(from path: String) throws -> IdentityDirectory {
        struct File: Decodable { var identities: [Identity] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let file = try JSONDecoder().decode(File.self, from: data)
        for identity in file.identities {
            guard identity.accountID.utf8.count == 12, identity.accountID.allSatisfy(\.isASCII), identity.accountID.allSatisfy(\.isNumber) else {
                throw ConfigurationError("Account ID '\(identity.accountID)' of access key '\(identity.accessKeyID)' is not 12 digits.")
            }
            guard !identity.accessKeyID.isEmpty, !identity.secretAccessKey.isEmpty else {
                throw ConfigurationError("An identity in \(path) has an empty access key ID or secret.")
            }
        }
        return IdentityDirectory(file.identities)
    }
}

/// A configuration problem found at start-up.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
