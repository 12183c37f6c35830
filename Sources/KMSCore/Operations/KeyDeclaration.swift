import Foundation

/// A key declared in a seed file (docs/seed.md): created with this ID and material if absent, checked if present.
public struct KeyDeclaration: Sendable {
    public var keyID: KeyID
    public var scope: Scope
    public var keySpec: KeySpec
    public var keyUsage: KeyUsage?
    public var origin: Origin
    public var description: String
    /// Raw symmetric or HMAC bytes, or a private key as PKCS#8 DER (PEM already decoded).
    public var material: [UInt8]?
    public var validTo: Date?
    public var enabled: Bool
    public var tags: [Tag]
    public var policy: String?

    public init(
        keyID: KeyID, scope: Scope, keySpec: KeySpec = .symmetricDefault, keyUsage: KeyUsage? = nil, origin: Origin = .awsKMS,
        description: String = "", material: [UInt8]? = nil, validTo: Date? = nil, enabled: Bool = true, tags: [Tag] = [], policy: String? = nil
    ) {
        self.keyID = keyID
        self.scope = scope
        self.keySpec = keySpec
        self.keyUsage = keyUsage
        self.origin = origin
        self.description = description
        self.material = material
        self.validTo = validTo
        self.enabled = enabled
        self.tags = tags
        self.policy = policy
    }
}
