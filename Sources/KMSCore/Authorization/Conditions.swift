import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// IAM wildcard matching: `*` any run of characters, `?` exactly one. Works on the UTF-8 bytes, without allocating.
enum Wildcard {
    static func match(_ pattern: String, _ text: String) -> Bool {
        var pattern = pattern, text = text
        return pattern.withUTF8 { p in text.withUTF8 { t in match(p, t) } }
    }

    static func match(_ pattern: Substring, _ text: Substring) -> Bool {
        var pattern = pattern, text = text
        return pattern.withUTF8 { p in text.withUTF8 { t in match(p, t) } }
    }

    static func match(_ p: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        var pi = 0, ti = 0, starAt = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == question || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == star {
                starAt = pi
                mark = ti
                pi += 1
            } else if starAt >= 0 {
                pi = starAt + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == star { pi += 1 }
        return pi == p.count
    }

    /// ARN matching as ArnLike does it: six `:`-separated fields, each matched with wildcards on its own.
    static func matchARN(_ pattern: String, _ text: String) -> Bool {
        let p = pattern.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let t = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard p.count == 6, t.count == 6 else { return false }
        for index in 0..<6 where !match(p[index], t[index]) { return false }
        return true
    }
}

/// An Action or Resource pattern, classified once when the policy is parsed so that the common shapes (`*`, an exact
/// name, `prefix*`) match without the general algorithm.
struct WildcardPattern: Sendable, Hashable {
    enum Kind: Sendable, Hashable { case any, exact, prefix, general }
    var text: String
    var kind: Kind
    /// For `.prefix`: the text before the trailing `*`.
    var prefix: String
    /// Whether the pattern holds policy variables (`${aws:username}`), substituted per request.
    var hasVariables: Bool

    init(_ text: String) {
        self.text = text
        hasVariables = text.contains("${")
        let wildcards = text.utf8.filter { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }.count
        prefix = ""
        if text == "*" {
            kind = .any
        } else if wildcards == 0 {
            kind = .exact
        } else if wildcards == 1, text.hasSuffix("*") {
            kind = .prefix
            prefix = String(text.dropLast())
        } else {
            kind = .general
        }
    }

    func matches(_ value: String) -> Bool {
        switch kind {
        case .any: return true
        case .exact: return text == value
        case .prefix: return value.hasPrefix(prefix)
        case .general: return Wildcard.match(text, value)
        }
    }
}

/// Dates in condition values: ISO 8601 (date, date-time, with or without fractional seconds) or epoch seconds.
enum ConditionDates {
    static func parse(_ text: String) -> Double? {
        if let seconds = Double(text), text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return seconds }
        if let date = try? Date(text, strategy: .iso8601) { return date.timeIntervalSince1970 }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date.timeIntervalSince1970 }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) { return date.timeIntervalSince1970 }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day().dateTimeSeparator(.standard).time(includingFractionalSeconds: false)) {
            return date.timeIntervalSince1970
        }
        return nil
    }

    static func format(_ date: Date) -> String { date.formatted(.iso8601) }
}

/// An IPv4 or IPv6 network (`IpAddress`, `NotIpAddress`).
struct IPNetwork: Sendable, Hashable {
    var bytes: [UInt8]
    var prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = Self.address(String(first)) else { return nil }
        bytes = address
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), prefix >= 0, prefix <= address.count * 8 else { return nil }
            self.prefix = prefix
        } else {
            prefix = address.count * 8
        }
    }

    static func address(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefix
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}

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

/// A policy value of a condition, pre-parsed for its operator.
struct ConditionOperand: Sendable, Hashable {
    var text: String
    var number: Double?
    var network: IPNetwork?
    var hasVariables: Bool

    init(_ text: String, base: ConditionOperator.Base) {
        self.text = text
        switch base.positive {
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            number = Double(text)
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            number = ConditionDates.parse(text)
        case .ipAddress:
            network = IPNetwork(text)
        default:
            break
        }
        hasVariables = base.allowsVariables && text.contains("${")
    }
}

/// One `"<operator>": {"<key>": [values]}` entry of a statement's Condition block.
struct ConditionClause: Sendable, Hashable {
    var op: ConditionOperator
    /// Lower-cased condition key name.
    var key: String
    var resolved: ConditionKey
    var operands: [ConditionOperand]

    init(op: ConditionOperator, key: String, operands: [ConditionOperand]) {
        self.op = op
        self.key = key
        self.resolved = ConditionKey(key)
        self.operands = operands
    }

    /// The clause against a request (IAM-multi semantics).
    func evaluate(_ context: AuthorizationContext) -> Bool {
        if let date = context.dateValue(resolved), op.qualifier == .none, isDateOperator {
            // aws:CurrentTime / aws:EpochTime compared as numbers, without formatting and parsing a date per request.
            let matched = operands.contains { operand in operand.number.map { Self.compare(date, $0, op.base.positive) } ?? false }
            return op.base.isNegated ? !matched : matched
        }
        let found = context.value(resolved)
        if op.base == .null {
            let wantsAbsent = operands.contains { $0.text.lowercased() == "true" }
            let present: Bool
            switch found {
            case nil: present = false
            case .multi(let values)?: present = !values.isEmpty
            case .single?: present = true
            }
            return wantsAbsent ? !present : present
        }
        guard let found else {
            if op.ifExists { return true }
            switch op.qualifier {
            case .forAllValues: return true
            case .forAnyValue: return false
            case .none: return op.base.isNegated
            }
        }
        if case .single(let value) = found {
            // One request value: every qualifier reduces to the operator on it.
            return matches(value, context)
        }
        let values = found.values
        switch op.qualifier {
        case .forAllValues:
            return values.allSatisfy { matches($0, context) }
        case .forAnyValue:
            return values.contains { matches($0, context) }
        case .none:
            if case .multi = found {
                // A multi-valued key without a set operator: positive operators match when any value matches,
                // negated ones when no value matches the positive form.
                if op.base.isNegated { return !values.contains { positiveMatch($0, context) } }
                return values.contains { positiveMatch($0, context) }
            }
            return matches(values[0], context)
        }
    }

    /// One request value against the operator: any operand for positive operators, no operand for negated ones.
    private func matches(_ value: String, _ context: AuthorizationContext) -> Bool {
        op.base.isNegated ? !positiveMatch(value, context) : positiveMatch(value, context)
    }

    private func positiveMatch(_ value: String, _ context: AuthorizationContext) -> Bool {
        let base = op.base.positive
        switch base {
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            guard let number = Double(value) else { return false }
            return operands.contains { operand in
                guard let limit = operand.number else { return false }
                return Self.compare(number, limit, base)
            }
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            guard let date = ConditionDates.parse(value) else { return false }
            return operands.contains { operand in
                guard let limit = operand.number else { return false }
                return Self.compare(date, limit, base)
            }
        case .ipAddress:
            guard let address = IPNetwork.address(value) else { return false }
            return operands.contains { $0.network?.contains(address) ?? false }
        case .binaryEquals:
            let encoded = Data(value.utf8).base64EncodedString()
            return operands.contains { $0.text == encoded }
        default:
            return operands.contains { operand in
                guard let expected = resolve(operand, context) else { return false }
                switch base {
                case .stringEquals: return value == expected
                case .stringEqualsIgnoreCase: return value.lowercased() == expected.lowercased()
                case .stringLike: return Wildcard.match(expected, value)
                case .bool: return value.lowercased() == expected.lowercased()
                case .arnEquals, .arnLike: return Wildcard.matchARN(expected, value)
                default: return false
                }
            }
        }
    }

    private var isDateOperator: Bool {
        switch op.base.positive {
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals: return true
        default: return false
        }
    }

    private static func compare(_ a: Double, _ b: Double, _ base: ConditionOperator.Base) -> Bool {
        switch base {
        case .numericEquals, .dateEquals: return a == b
        case .numericLessThan, .dateLessThan: return a < b
        case .numericLessThanEquals, .dateLessThanEquals: return a <= b
        case .numericGreaterThan, .dateGreaterThan: return a > b
        case .numericGreaterThanEquals, .dateGreaterThanEquals: return a >= b
        default: return false
        }
    }

    private func resolve(_ operand: ConditionOperand, _ context: AuthorizationContext) -> String? {
        operand.hasVariables ? PolicyVariables.substitute(operand.text, context) : operand.text
    }
}

/// `${aws:username}`-style policy variables; `${*}`, `${?}` and `${$}` are the literal characters. An unknown or
/// absent variable makes the value unmatchable (nil).
enum PolicyVariables {
    static func substitute(_ text: String, _ context: AuthorizationContext) -> String? {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { return nil }
            let name = rest[start.upperBound..<end]
            switch name {
            case "*", "?", "$": out += name
            default:
                guard case .single(let value)? = context.value(name.lowercased()) else { return nil }
                out += value
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
