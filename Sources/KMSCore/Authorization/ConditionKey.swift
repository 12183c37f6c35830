import Foundation

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
