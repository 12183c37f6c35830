import Foundation
import Logging

/// The operation-specific facts of a request that authorization needs: its encryption context, the values of its
/// condition keys, the grant tokens it presented and, for CreateGrant, the grant it asks for.
public struct RequestFacts: Sendable {
    public var encryptionContext: [String: String]?
    public var values: [String: ConditionValue] = [:]
    public var grantTokens: [String]?
    public var childGrant: ChildGrant?

    public init(encryptionContext: [String: String]? = nil, grantTokens: [String]? = nil) {
        self.encryptionContext = encryptionContext
        self.grantTokens = grantTokens
    }

    public mutating func set(_ name: String, _ value: String?) {
        if let value { values[Self.lowercased(name)] = .single(value) }
    }

    public mutating func set(_ name: String, _ value: [String]?) {
        if let value { values[Self.lowercased(name)] = .multi(value) }
    }

    public mutating func set(_ name: String, _ value: Bool?) {
        if let value { values[Self.lowercased(name)] = .single(value ? "true" : "false") }
    }

    public mutating func set(_ name: String, _ value: Int?) {
        if let value { values[Self.lowercased(name)] = .single(String(value)) }
    }

    /// Condition key names are case-insensitive: stored lower-cased. Most names are constants; cached.
    private static func lowercased(_ name: String) -> String {
        switch name {
        case "kms:EncryptionAlgorithm": return "kms:encryptionalgorithm"
        case "kms:SigningAlgorithm": return "kms:signingalgorithm"
        case "kms:MessageType": return "kms:messagetype"
        case "kms:MacAlgorithm": return "kms:macalgorithm"
        default: return name.lowercased()
        }
    }

    /// `aws:RequestTag/<k>` and `aws:TagKeys` for a request carrying tags.
    public mutating func setRequestTags(_ tags: [Tag]?) {
        guard let tags else { return }
        for tag in tags { set("aws:RequestTag/\(tag.key)", tag.value) }
        set("aws:TagKeys", tags.map(\.key))
    }
}
