import Foundation

/// The value of a condition key in a request: single-valued or a set (multi-valued keys such as
/// `kms:EncryptionContextKeys`, `aws:TagKeys`, `kms:GrantOperations`).
public enum ConditionValue: Sendable, Hashable {
    case single(String)
    case multi([String])

    var values: [String] {
        switch self {
        case .single(let value): return [value]
        case .multi(let values): return values
        }
    }
}

/// The non-secret facts of a key that policies can test (`kms:KeySpec`, `aws:ResourceTag/*`, ...).
public struct KeyFacts: Sendable {
    public var arn: String
    public var accountID: String
    public var keySpec: String
    public var keyUsage: String
    public var origin: String
    public var multiRegion: Bool
    public var tags: [Tag]
    /// The key's alias names (`kms:ResourceAliases`), when loaded; nil when no policy asks for them.
    public var aliases: [String]?

    public init(arn: String, accountID: String, keySpec: String, keyUsage: String, origin: String, multiRegion: Bool, tags: [Tag], aliases: [String]? = nil) {
        self.arn = arn
        self.accountID = accountID
        self.keySpec = keySpec
        self.keyUsage = keyUsage
        self.origin = origin
        self.multiRegion = multiRegion
        self.tags = tags
        self.aliases = aliases
    }

    public init(_ record: KeyRecord, aliases: [String]? = nil) {
        self.init(
            arn: record.arn, accountID: record.scope.accountID, keySpec: record.keySpec.rawValue, keyUsage: record.keyUsage.rawValue,
            origin: record.origin.rawValue, multiRegion: record.multiRegion, tags: record.tags, aliases: aliases
        )
    }
}

/// Everything a policy condition can ask about one authorization: the caller, the connection, the time, the request's
/// operation-specific values and the key. Condition keys are looked up by lower-cased name; values are computed on
/// demand, so a policy without conditions costs nothing here.
public struct AuthorizationContext: Sendable {
    public var principal: PrincipalARN
    public var principalTags: [String: String]
    public var sourceIP: String?
    public var secureTransport: Bool
    public var currentTime: Date
    public var region: String?
    /// The request's encryption context (`kms:EncryptionContext:*`, `kms:EncryptionContextKeys`, grant constraints).
    public var encryptionContext: [String: String]?
    /// The alias name (`alias/x`) when the request named the key by an alias (`kms:RequestAlias`).
    public var requestAlias: String?
    /// Operation-specific keys by lower-cased name (`kms:encryptionalgorithm`, `aws:requesttag/env`, ...).
    public var values: [String: ConditionValue]
    public var key: KeyFacts?

    public init(
        principal: PrincipalARN, principalTags: [String: String] = [:], sourceIP: String? = nil, secureTransport: Bool = false,
        currentTime: Date, region: String? = nil, encryptionContext: [String: String]? = nil, requestAlias: String? = nil,
        values: [String: ConditionValue] = [:], key: KeyFacts? = nil
    ) {
        self.principal = principal
        self.principalTags = principalTags
        self.sourceIP = sourceIP
        self.secureTransport = secureTransport
        self.currentTime = currentTime
        self.region = region
        self.encryptionContext = encryptionContext
        self.requestAlias = requestAlias
        self.values = values
        self.key = key
    }

    /// The value of a condition key (name already lower-cased), or nil when absent from this request.
    public func value(_ name: String) -> ConditionValue? { value(ConditionKey(name)) }

    /// The value of a condition key resolved when its policy was parsed (no string matching per request).
    func value(_ condition: ConditionKey) -> ConditionValue? {
        switch condition {
        case .request(let name): return values[name]
        case .callerAccount: return .single(principal.accountID)
        case .principalARN: return .single(principal.principalARNForConditions)
        case .principalType: return .single(principal.principalType)
        case .userName: return principal.userName.map { .single($0) }
        case .sourceIP: return sourceIP.map { .single($0) }
        case .secureTransport: return .single(secureTransport ? "true" : "false")
        case .currentTime: return .single(ConditionDates.format(currentTime))
        case .epochTime: return .single(String(Int(currentTime.timeIntervalSince1970)))
        case .requestedRegion: return region.map { .single($0) }
        case .resourceAccount: return self.key.map { .single($0.accountID) }
        case .keySpec(let name): return values[name] ?? self.key.map { .single($0.keySpec) }
        case .keyUsage(let name): return values[name] ?? self.key.map { .single($0.keyUsage) }
        case .keyOrigin: return values["kms:keyorigin"] ?? self.key.map { .single($0.origin) }
        case .multiRegion: return values["kms:multiregion"] ?? self.key.map { .single($0.multiRegion ? "true" : "false") }
        case .resourceAliases: return self.key?.aliases.map { .multi($0) }
        case .requestAlias: return requestAlias.map { .single($0) }
        case .encryptionContextKeys:
            guard let context = encryptionContext else { return nil }
            return .multi(Array(context.keys))
        case .encryptionContext(let wanted):
            return encryptionContext?.first { $0.key.lowercased() == wanted }.map { .single($0.value) }
        case .principalTag(let wanted):
            return principalTags.first { $0.key.lowercased() == wanted }.map { .single($0.value) }
        case .resourceTag(let wanted):
            return self.key?.tags.first { $0.key.lowercased() == wanted }.map { .single($0.value) }
        }
    }

    /// The value of a date key as epoch seconds, without formatting and parsing (`aws:CurrentTime`, `aws:EpochTime`).
    func dateValue(_ condition: ConditionKey) -> Double? {
        switch condition {
        case .currentTime, .epochTime: return currentTime.timeIntervalSince1970
        default: return nil
        }
    }
}

/// A condition key name resolved once, when the policy is parsed.
enum ConditionKey: Sendable, Hashable {
    /// An operation-specific key, looked up in the request's values by its lower-cased name.
    case request(String)
    case callerAccount, principalARN, principalType, userName, sourceIP, secureTransport, currentTime, epochTime, requestedRegion
    case resourceAccount, keyOrigin, multiRegion, resourceAliases, requestAlias, encryptionContextKeys
    /// `kms:KeySpec` / `kms:CustomerMasterKeySpec` (by its name, since CreateKey supplies it as a request value).
    case keySpec(String)
    case keyUsage(String)
    /// The lower-cased context key / tag key.
    case encryptionContext(String)
    case principalTag(String)
    case resourceTag(String)

    init(_ name: String) {
        switch name {
        case "kms:calleraccount", "aws:principalaccount": self = .callerAccount
        case "aws:principalarn": self = .principalARN
        case "aws:principaltype": self = .principalType
        case "aws:username": self = .userName
        case "aws:sourceip": self = .sourceIP
        case "aws:securetransport": self = .secureTransport
        case "aws:currenttime": self = .currentTime
        case "aws:epochtime": self = .epochTime
        case "aws:requestedregion": self = .requestedRegion
        case "aws:resourceaccount": self = .resourceAccount
        case "kms:keyspec", "kms:customermasterkeyspec": self = .keySpec(name)
        case "kms:keyusage", "kms:customermasterkeyusage": self = .keyUsage(name)
        case "kms:keyorigin": self = .keyOrigin
        case "kms:multiregion": self = .multiRegion
        case "kms:resourcealiases": self = .resourceAliases
        case "kms:requestalias": self = .requestAlias
        case "kms:encryptioncontextkeys": self = .encryptionContextKeys
        default:
            if name.hasPrefix("kms:encryptioncontext:") {
                self = .encryptionContext(String(name.dropFirst("kms:encryptioncontext:".count)))
            } else if name.hasPrefix("aws:principaltag/") {
                self = .principalTag(String(name.dropFirst("aws:principaltag/".count)))
            } else if name.hasPrefix("aws:resourcetag/") {
                self = .resourceTag(String(name.dropFirst("aws:resourcetag/".count)))
            } else {
                self = .request(name)
            }
        }
    }
}
