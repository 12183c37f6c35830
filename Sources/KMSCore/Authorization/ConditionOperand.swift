import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
