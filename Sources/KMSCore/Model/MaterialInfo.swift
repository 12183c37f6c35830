import Foundation

/// Non-secret facts about one key material of a key. The sealed bytes live in the store's material table.
public struct MaterialInfo: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable {
        case current = "CURRENT"
        case nonCurrent = "NON_CURRENT"
        case pendingRotation = "PENDING_ROTATION"
        case pendingMultiRegionImportAndRotation = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    }

    public enum ImportState: String, Sendable, Codable {
        case imported = "IMPORTED"
        case pendingImport = "PENDING_IMPORT"
    }

    public enum RotationType: String, Sendable, Codable {
        case automatic = "AUTOMATIC"
        case onDemand = "ON_DEMAND"
    }

    /// Stored as 64 lower-case hex digits.
    public var id: KeyMaterialID
    public var state: State
    /// When the material was first associated with the key.
    public var createdAt: Date
    /// Whether the sealed bytes are present (always for AWS_KMS keys; imported material can be deleted or expire).
    public var importState: ImportState
    public var description: String?
    /// Set for imported material: the model and date of its last import.
    public var expirationModel: ExpirationModel?
    public var validTo: Date?
    /// When the material became CURRENT through a rotation.
    public var rotationDate: Date?
    public var rotationType: RotationType?

    public init(id: KeyMaterialID, state: State, createdAt: Date, importState: ImportState = .imported) {
        self.id = id
        self.state = state
        self.createdAt = createdAt
        self.importState = importState
    }

    /// CURRENT and NON_CURRENT materials are permanently associated; staged ones are not.
    public var isPermanentlyAssociated: Bool { state == .current || state == .nonCurrent }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(KeyMaterialID.self, forKey: .id)
        state = try container.decode(State.self, forKey: .state)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        importState = try container.decodeIfPresent(ImportState.self, forKey: .importState) ?? .imported
        description = try container.decodeIfPresent(String.self, forKey: .description)
        expirationModel = try container.decodeIfPresent(ExpirationModel.self, forKey: .expirationModel)
        validTo = try container.decodeIfPresent(Date.self, forKey: .validTo)
        rotationDate = try container.decodeIfPresent(Date.self, forKey: .rotationDate)
        rotationType = try container.decodeIfPresent(RotationType.self, forKey: .rotationType)
    }
}
