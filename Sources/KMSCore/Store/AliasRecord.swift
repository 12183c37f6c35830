import Foundation

/// An alias as stored.
public struct AliasRecord: Sendable, Hashable, Codable {
    public var name: AliasName
    public var scope: Scope
    public var targetKeyID: KeyID
    public var creationDate: Date
    public var lastUpdatedDate: Date

    public init(name: AliasName, scope: Scope, targetKeyID: KeyID, creationDate: Date, lastUpdatedDate: Date) {
        self.name = name
        self.scope = scope
        self.targetKeyID = targetKeyID
        self.creationDate = creationDate
        self.lastUpdatedDate = lastUpdatedDate
    }
}
