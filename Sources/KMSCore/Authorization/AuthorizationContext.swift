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

    /// Sets an operation-specific key (the name is lower-cased here).
    public mutating func set(_ name: String, _ value: String?) {
        if let value { values[name.lowercased()] = .single(value) }
    }

    public mutating func set(_ name: String, _ value: [String]?) {
        if let value { values[name.lowercased()] = .multi(value) }
    }

    public mutating func set(_ name: String, _ value: Bool?) {
        if let value { values[name.lowercased()] = .single(value ? "true" : "false") }
    }

    public mutating func set(_ name: String, _ value: Int?) {
        if let value { values[name.lowercased()] = .single(String(value)) }
    }

    /// The value of a condition key (name already lower-cased), or nil when absent from this request.
    public func value(_ name: String) -> ConditionValue? {
        if let value = values[name] { return value }
        switch name {
        case "kms:calleraccount", "aws:principalaccount": return .single(principal.accountID)
        case "aws:principalarn": return .single(principal.principalARNForConditions)
        case "aws:principaltype": return .single(principal.principalType)
        case "aws:username": return principal.userName.map { .single($0) }
        case "aws:sourceip": return sourceIP.map { .single($0) }
        case "aws:securetransport": return .single(secureTransport ? "true" : "false")
        case "aws:currenttime": return .single(ConditionDates.format(currentTime))
        case "aws:epochtime": return .single(String(Int(currentTime.timeIntervalSince1970)))
        case "aws:requestedregion": return region.map { .single($0) }
        case "aws:resourceaccount": return key.map { .single($0.accountID) }
        case "kms:keyspec", "kms:customermasterkeyspec": return key.map { .single($0.keySpec) }
        case "kms:keyusage", "kms:customermasterkeyusage": return key.map { .single($0.keyUsage) }
        case "kms:keyorigin": return key.map { .single($0.origin) }
        case "kms:multiregion": return key.map { .single($0.multiRegion ? "true" : "false") }
        case "kms:resourcealiases": return key?.aliases.map { .multi($0) }
        case "kms:requestalias": return requestAlias.map { .single($0) }
        case "kms:encryptioncontextkeys":
            guard let context = encryptionContext else { return nil }
            return .multi(Array(context.keys))
        default:
            break
        }
        if name.hasPrefix("kms:encryptioncontext:") {
            let wanted = name.dropFirst("kms:encryptioncontext:".count)
            return encryptionContext?.first { $0.key.lowercased() == wanted }.map { .single($0.value) }
        }
        if name.hasPrefix("aws:principaltag/") {
            let wanted = name.dropFirst("aws:principaltag/".count)
            return principalTags.first { $0.key.lowercased() == wanted }.map { .single($0.value) }
        }
        if name.hasPrefix("aws:resourcetag/") {
            let wanted = name.dropFirst("aws:resourcetag/".count)
            return key?.tags.first { $0.key.lowercased() == wanted }.map { .single($0.value) }
        }
        return nil
    }
}
