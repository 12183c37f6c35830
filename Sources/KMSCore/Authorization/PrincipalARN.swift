/// An AWS principal as named by an ARN: the account root, an IAM user, an IAM role, or an assumed-role session.
public struct PrincipalARN: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case root
        /// `path/name`; the user name is the last component.
        case user(path: String)
        /// `path/name`; the role name is the last component.
        case role(path: String)
        case assumedRole(role: String, session: String)
    }

    public var partition: String
    public var accountID: String
    public var kind: Kind

    public init(partition: String = "aws", accountID: String, kind: Kind) {
        self.partition = partition
        self.accountID = accountID
        self.kind = kind
    }

    public static func root(_ accountID: String, partition: String = "aws") -> PrincipalARN {
        PrincipalARN(partition: partition, accountID: accountID, kind: .root)
    }

    /// Parses `arn:<partition>:iam::<account>:root|user/...|role/...` or `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", Self.partitions.contains(String(parts[1])), parts[3].isEmpty,
            Self.isAccountID(parts[4])
        else { return nil }
        let resource = parts[5]
        partition = String(parts[1])
        accountID = String(parts[4])
        switch parts[2] {
        case "iam":
            if resource == "root" {
                kind = .root
            } else if resource.hasPrefix("user/"), let path = Self.path(resource.dropFirst(5)) {
                kind = .user(path: path)
            } else if resource.hasPrefix("role/"), let path = Self.path(resource.dropFirst(5)) {
                kind = .role(path: path)
            } else {
                return nil
            }
        case "sts":
            guard resource.hasPrefix("assumed-role/") else { return nil }
            let rest = resource.dropFirst("assumed-role/".count).split(separator: "/", omittingEmptySubsequences: false)
            guard rest.count == 2, Self.isName(rest[0]), Self.isName(rest[1]) else { return nil }
            kind = .assumedRole(role: String(rest[0]), session: String(rest[1]))
        default:
            return nil
        }
    }

    static let partitions: Set<String> = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"]

    public static func isAccountID<S: StringProtocol>(_ text: S) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    private static func isName<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.count <= 128
            && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || "+=,.@_-".unicodeScalars.contains($0)) }
    }

    private static func path(_ text: Substring) -> String? {
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let last = components.last, isName(last), components.dropLast().allSatisfy(isName) else { return nil }
        return String(text)
    }

    public var description: String { arn }

    /// The ARN as AWS prints it (in denial messages: the session ARN for assumed roles).
    public var arn: String {
        switch kind {
        case .root: return "arn:\(partition):iam::\(accountID):root"
        case .user(let path): return "arn:\(partition):iam::\(accountID):user/\(path)"
        case .role(let path): return "arn:\(partition):iam::\(accountID):role/\(path)"
        case .assumedRole(let role, let session): return "arn:\(partition):sts::\(accountID):assumed-role/\(role)/\(session)"
        }
    }

    /// `aws:PrincipalArn`: the role ARN for a role session, the ARN itself otherwise.
    public var principalARNForConditions: String {
        if case .assumedRole(let role, _) = kind { return "arn:\(partition):iam::\(accountID):role/\(role)" }
        return arn
    }

    /// `aws:PrincipalType`.
    public var principalType: String {
        switch kind {
        case .root: return "Account"
        case .user: return "User"
        case .role, .assumedRole: return "AssumedRole"
        }
    }

    /// `aws:username`: IAM users only.
    public var userName: String? {
        if case .user(let path) = kind { return path.split(separator: "/").last.map(String.init) }
        return nil
    }

    /// The role name (last path component) of a role or a role session.
    var roleName: String? {
        switch kind {
        case .role(let path): return path.split(separator: "/").last.map(String.init)
        case .assumedRole(let role, _): return role
        default: return nil
        }
    }

    public var isRoot: Bool { kind == .root }

    /// Whether a principal named in a policy or grant (`self`) covers `caller`: the same principal, a role covering
    /// its sessions, or (when `accountCovers`) the account root covering every principal of its account.
    public func covers(_ caller: PrincipalARN, accountCovers: Bool) -> Bool {
        guard partition == caller.partition, accountID == caller.accountID else { return false }
        switch (kind, caller.kind) {
        case (.root, _): return accountCovers || caller.kind == .root
        case (.user(let a), .user(let b)): return a == b
        case (.role, .role): return self == caller
        case (.role, .assumedRole): return roleName == caller.roleName
        case (.assumedRole, .assumedRole): return self == caller
        default: return false
        }
    }
}
