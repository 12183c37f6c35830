import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One condition operator of IAM's grammar (27 operators), with its set qualifier and `IfExists` form.
struct ConditionOperator: Sendable, Hashable {
    enum Base: String, Sendable, CaseIterable {
        case stringEquals = "StringEquals", stringNotEquals = "StringNotEquals"
        case stringEqualsIgnoreCase = "StringEqualsIgnoreCase", stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
        case stringLike = "StringLike", stringNotLike = "StringNotLike"
        case numericEquals = "NumericEquals", numericNotEquals = "NumericNotEquals"
        case numericLessThan = "NumericLessThan", numericLessThanEquals = "NumericLessThanEquals"
        case numericGreaterThan = "NumericGreaterThan", numericGreaterThanEquals = "NumericGreaterThanEquals"
        case dateEquals = "DateEquals", dateNotEquals = "DateNotEquals"
        case dateLessThan = "DateLessThan", dateLessThanEquals = "DateLessThanEquals"
        case dateGreaterThan = "DateGreaterThan", dateGreaterThanEquals = "DateGreaterThanEquals"
        case bool = "Bool", binaryEquals = "BinaryEquals"
        case ipAddress = "IpAddress", notIpAddress = "NotIpAddress"
        case arnEquals = "ArnEquals", arnLike = "ArnLike", arnNotEquals = "ArnNotEquals", arnNotLike = "ArnNotLike"
        case null = "Null"

        static let byLowercasedName: [String: Base] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue.lowercased(), $0) })

        /// Negated operators: several values must all not match, and a missing key satisfies them.
        var isNegated: Bool {
            switch self {
            case .stringNotEquals, .stringNotEqualsIgnoreCase, .stringNotLike, .numericNotEquals, .dateNotEquals, .notIpAddress,
                .arnNotEquals, .arnNotLike:
                return true
            default:
                return false
            }
        }

        /// The positive operator a negated one negates.
        var positive: Base {
            switch self {
            case .stringNotEquals: return .stringEquals
            case .stringNotEqualsIgnoreCase: return .stringEqualsIgnoreCase
            case .stringNotLike: return .stringLike
            case .numericNotEquals: return .numericEquals
            case .dateNotEquals: return .dateEquals
            case .notIpAddress: return .ipAddress
            case .arnNotEquals: return .arnEquals
            case .arnNotLike: return .arnLike
            default: return self
            }
        }

        /// Whether policy variables (`${aws:username}`) are substituted in this operator's values.
        var allowsVariables: Bool {
            switch positive {
            case .stringEquals, .stringEqualsIgnoreCase, .stringLike, .arnEquals, .arnLike, .bool: return true
            default: return false
            }
        }
    }

    enum SetQualifier: Sendable, Hashable {
        case none, forAnyValue, forAllValues
    }

    var base: Base
    var qualifier: SetQualifier
    var ifExists: Bool

    /// Parses `[ForAnyValue:|ForAllValues:]<Operator>[IfExists]` (case-insensitive, as IAM accepts it).
    init?(_ text: String) {
        var name = text.lowercased()
        qualifier = .none
        if name.hasPrefix("foranyvalue:") {
            qualifier = .forAnyValue
            name.removeFirst("foranyvalue:".count)
        } else if name.hasPrefix("forallvalues:") {
            qualifier = .forAllValues
            name.removeFirst("forallvalues:".count)
        }
        ifExists = false
        if name.hasSuffix("ifexists"), name != "ifexists" {
            ifExists = true
            name.removeLast("ifexists".count)
        }
        guard let base = Base.byLowercasedName[name] else { return nil }
        if base == .null && ifExists { return nil }
        self.base = base
    }

    var name: String {
        let prefix: String
        switch qualifier {
        case .none: prefix = ""
        case .forAnyValue: prefix = "ForAnyValue:"
        case .forAllValues: prefix = "ForAllValues:"
        }
        return prefix + base.rawValue + (ifExists ? "IfExists" : "")
    }
}
