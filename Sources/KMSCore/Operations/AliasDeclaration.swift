import Foundation

/// An alias declared in a seed file.
public struct AliasDeclaration: Sendable {
    public var name: AliasName
    public var scope: Scope
    public var targetKeyID: KeyID

    public init(name: AliasName, scope: Scope, targetKeyID: KeyID) {
        self.name = name
        self.scope = scope
        self.targetKeyID = targetKeyID
    }
}
