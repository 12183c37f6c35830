import Foundation

/// Sealed bytes of one key material, as stored.
public struct SealedMaterial: Sendable, Hashable {
    public var keyID: KeyID
    public var materialID: KeyMaterialID
    public var sealed: [UInt8]

    public init(keyID: KeyID, materialID: KeyMaterialID, sealed: [UInt8]) {
        self.keyID = keyID
        self.materialID = materialID
        self.sealed = sealed
    }
}
