import Foundation

/// A wrapping key pair issued by GetParametersForImport: the private key sealed under the root key.
public struct StoredWrappingKey: Sendable, Hashable {
    public var id: String
    public var scope: Scope
    public var keyID: KeyID
    public var sealed: [UInt8]
    public var expiresAt: Date

    public init(id: String, scope: Scope, keyID: KeyID, sealed: [UInt8], expiresAt: Date) {
        self.id = id
        self.scope = scope
        self.keyID = keyID
        self.sealed = sealed
        self.expiresAt = expiresAt
    }
}
