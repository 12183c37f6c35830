/// An alias name, `alias/<name>`. Well formed by construction; `alias/aws/` names are recognised as reserved.
public struct AliasName: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Parses an alias name.
    /// - Throws: `ValidationException` when the prefix is missing or characters are invalid,
    ///   `InvalidAliasNameException` for an empty name after the prefix.
    public init(validating text: String) throws(KMSError) {
        guard text.hasPrefix("alias/") else {
            throw KMSError.validation("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
        }
        guard text.utf8.count > 6, text.utf8.count <= 256 else {
            throw KMSError(.invalidAliasName, "Alias name must be between 1 and 256 characters, including the \"alias/\" prefix.")
        }
        guard text.utf8.allSatisfy(AliasName.isAllowed) else {
            throw KMSError.validation("1 validation error detected: Value '\(text)' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
        }
        self.rawValue = text
    }

    /// Parses without throwing; nil when malformed.
    public init?(_ text: String) {
        guard let parsed = try? AliasName(validating: text) else { return nil }
        self = parsed
    }

    /// Names under `alias/aws/` belong to AWS managed keys.
    public var isReserved: Bool { rawValue.hasPrefix("alias/aws/") || rawValue == "alias/aws" }

    public var description: String { rawValue }
    public static func < (lhs: AliasName, rhs: AliasName) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let name = AliasName(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad alias"))
        }
        self = name
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        case UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "-"): return true
        default: return false
        }
    }
}
