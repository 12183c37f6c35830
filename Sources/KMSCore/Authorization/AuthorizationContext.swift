import Foundation

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
        case .epochTime: return currentTime.wholeEpochSeconds.map { .single(String($0)) }
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
