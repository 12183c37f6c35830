import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
