import Foundation

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
