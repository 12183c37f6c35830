import Foundation

/// A tag on a key.
public struct Tag: Sendable, Hashable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// Non-secret facts about one key material of a key. The sealed bytes live in the store's material table.
public struct MaterialInfo: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable {
        case current = "CURRENT"
        case nonCurrent = "NON_CURRENT"
        case pendingRotation = "PENDING_ROTATION"
        case pendingMultiRegionImportAndRotation = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    }

    /// 64 lower-case hex digits.
    public var id: String
    public var state: State
    public var createdAt: Date

    public init(id: String, state: State, createdAt: Date) {
        self.id = id
        self.state = state
        self.createdAt = createdAt
    }
}

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

    /// The key state AWS reports, derived from the stored facts (spec §12).
    public var state: KeyState {
        if deletionDate != nil { return .pendingDeletion }
        if origin == .external && !materials.contains(where: { $0.state == .current }) { return .pendingImport }
        return enabled ? .enabled : .disabled
    }

    /// The CURRENT material, if any.
    public var currentMaterial: MaterialInfo? { materials.first { $0.state == .current } }
}
