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
