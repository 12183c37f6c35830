import Foundation

/// Everything stored about a key except its secret material. `Codable` for storage as a document.
public struct KeyRecord: Sendable, Hashable, Codable {
    public var id: KeyID
    public var scope: Scope
    public var creationDate: Date
    public var description: String
    public var keySpec: KeySpec
    public var keyUsage: KeyUsage
    public var origin: Origin
    public var multiRegion: Bool
    /// What EnableKey/DisableKey set. The reported state is derived (see `state`).
    public var enabled: Bool
    public var deletionDate: Date?
    public var pendingWindowInDays: Int?
    public var policy: String
    public var tags: [Tag]
    public var materials: [MaterialInfo]
    /// On-demand rotations performed so far (AWS allows 25 per key).
    public var onDemandRotations: Int?
    /// The ExpirationModel of the last import (shown by DescribeKey for EXTERNAL keys).
    public var lastExpirationModel: ExpirationModel?
    /// Bumped on every grant change, so that cached grant lists are keyed by it; nil while the key never had a grant.
    public var grantsVersion: Int?
    /// Automatic rotation: the period while it is enabled (nil while disabled).
    public var rotationPeriodInDays: Int?
    /// When the next automatic rotation is due (while enabled): the schedule base plus the period.
    public var nextRotationDate: Date?
    /// When automatic rotation was last enabled or the key last rotated automatically; a new period counts from here.
    public var rotationScheduleBase: Date?
    /// Multi-Region keys: the Region of the primary key (nil on keys made before replicas existed: then this key is
    /// the primary).
    public var primaryRegion: String?
    /// A primary scheduled for deletion while it has replicas: PendingReplicaDeletion (with `pendingWindowInDays`)
    /// until its last replica is deleted; then its window starts.
    public var awaitingReplicaDeletion: Bool?

    public init(
        id: KeyID, scope: Scope, creationDate: Date, description: String, keySpec: KeySpec, keyUsage: KeyUsage,
        origin: Origin, multiRegion: Bool, enabled: Bool, policy: String, tags: [Tag], materials: [MaterialInfo]
    ) {
        self.id = id
        self.scope = scope
        self.creationDate = creationDate
        self.description = description
        self.keySpec = keySpec
        self.keyUsage = keyUsage
        self.origin = origin
        self.multiRegion = multiRegion
        self.enabled = enabled
        self.deletionDate = nil
        self.pendingWindowInDays = nil
        self.policy = policy
        self.tags = tags
        self.materials = materials
    }

    public var arn: String { scope.keyARN(id) }

    /// The key state AWS reports, derived from the stored facts (spec §12): an EXTERNAL key is PendingImport until
    /// every permanently associated material is present. Call `expireMaterials(at:)` first to apply ValidTo.
    public var state: KeyState {
        if awaitingReplicaDeletion == true { return .pendingReplicaDeletion }
        if deletionDate != nil { return .pendingDeletion }
        if origin == .external && !hasAllPermanentMaterial { return .pendingImport }
        return enabled ? .enabled : .disabled
    }

    /// True when a CURRENT material exists and every CURRENT or NON_CURRENT material is imported.
    public var hasAllPermanentMaterial: Bool {
        materials.contains { $0.state == .current }
            && materials.allSatisfy { !$0.isPermanentlyAssociated || $0.importState == .imported }
    }

    /// The earliest ValidTo among imported materials, for the expiry sweeper.
    public var nextExpiry: Date? {
        materials.filter { $0.importState == .imported }.compactMap(\.validTo).min()
    }

    /// Applies expiry at `now`: a permanently associated material past its ValidTo becomes PENDING_IMPORT, a staged
    /// one is dropped. - Returns: the IDs whose sealed bytes must be deleted.
    @discardableResult
    public mutating func expireMaterials(at now: Date) -> [KeyMaterialID] {
        var deleted: [KeyMaterialID] = []
        materials = materials.compactMap { material in
            guard material.importState == .imported, let validTo = material.validTo, validTo <= now else { return material }
            deleted.append(material.id)
            guard material.isPermanentlyAssociated else { return nil }
            var expired = material
            expired.importState = .pendingImport
            return expired
        }
        return deleted
    }

    /// When the rotation service should rotate this key: its NextRotationDate while it is Enabled with automatic
    /// rotation on; nil otherwise (a disabled or pending-deletion key is not rotated, and catches up once Enabled).
    public var rotationDue: Date? {
        guard rotationPeriodInDays != nil, state == .enabled, !isReplica else { return nil }
        return nextRotationDate
    }

    /// A multi-Region replica key (its primary is in another Region).
    public var isReplica: Bool { multiRegion && (primaryRegion ?? scope.region) != scope.region }

    /// The Region of this key's primary (its own for single-Region keys and primaries).
    public var primaryKeyRegion: String { multiRegion ? (primaryRegion ?? scope.region) : scope.region }

    /// The CURRENT material, if any.
    public var currentMaterial: MaterialInfo? { materials.first { $0.state == .current } }
}
