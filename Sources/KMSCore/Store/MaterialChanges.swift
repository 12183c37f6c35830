import Foundation

/// Changes to a key's sealed materials made in the same transaction as a key update.
public struct MaterialChanges: Sendable {
    /// Sealed materials to insert or replace.
    public var upsert: [SealedMaterial] = []
    /// Material IDs whose sealed bytes are deleted.
    public var delete: [KeyMaterialID] = []

    public init() {}
}
