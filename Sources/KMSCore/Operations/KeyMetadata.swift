import Foundation

/// The `KeyMetadata` structure of the AWS API, built from a stored key. `Decodable` too, for clients (`coffer byok
/// import` reads AWS's or Coffer's answer with it).
public struct KeyMetadata: Codable, Sendable, Equatable {
    public struct MultiRegionKey: Codable, Sendable, Equatable {
        var arn: String
        var region: String
        enum CodingKeys: String, CodingKey { case arn = "Arn", region = "Region" }
    }

    public struct MultiRegionConfiguration: Codable, Sendable, Equatable {
        var multiRegionKeyType: MultiRegionKeyType
        var primaryKey: MultiRegionKey
        var replicaKeys: [MultiRegionKey]
        enum CodingKeys: String, CodingKey {
            case multiRegionKeyType = "MultiRegionKeyType", primaryKey = "PrimaryKey", replicaKeys = "ReplicaKeys"
        }
    }

    var awsAccountID: String
    public internal(set) var keyID: String
    public internal(set) var arn: String
    var creationDate: Date
    var enabled: Bool
    var description: String
    var keyUsage: KeyUsage
    var keyState: KeyState
    var deletionDate: Date?
    var origin: Origin
    var keyManager: KeyManager
    var customerMasterKeySpec: String
    public internal(set) var keySpec: KeySpec
    var encryptionAlgorithms: [EncryptionAlgorithm]?
    var signingAlgorithms: [SigningAlgorithm]?
    var macAlgorithms: [MacAlgorithm]?
    var keyAgreementAlgorithms: [KeyAgreementAlgorithm]?
    var multiRegion: Bool
    var multiRegionConfiguration: MultiRegionConfiguration?
    var pendingDeletionWindowInDays: Int?
    var currentKeyMaterialID: KeyMaterialID?
    var expirationModel: ExpirationModel?
    var validTo: Date?

    enum CodingKeys: String, CodingKey {
        case awsAccountID = "AWSAccountId", keyID = "KeyId", arn = "Arn", creationDate = "CreationDate", enabled = "Enabled"
        case description = "Description", keyUsage = "KeyUsage", keyState = "KeyState", deletionDate = "DeletionDate"
        case origin = "Origin", keyManager = "KeyManager", customerMasterKeySpec = "CustomerMasterKeySpec", keySpec = "KeySpec"
        case encryptionAlgorithms = "EncryptionAlgorithms", signingAlgorithms = "SigningAlgorithms"
        case macAlgorithms = "MacAlgorithms", keyAgreementAlgorithms = "KeyAgreementAlgorithms"
        case multiRegion = "MultiRegion", multiRegionConfiguration = "MultiRegionConfiguration"
        case pendingDeletionWindowInDays = "PendingDeletionWindowInDays"
        case currentKeyMaterialID = "CurrentKeyMaterialId", expirationModel = "ExpirationModel", validTo = "ValidTo"
    }

    /// - Parameter related: for a multi-Region key, the keys with its ID in every Region (itself included), so that
    ///   every Region shows the same primary and replicas; without it the key is shown as a primary without replicas.
    public init(_ key: KeyRecord, related: [KeyRecord] = []) {
        let state = key.state
        self.awsAccountID = key.scope.accountID
        self.keyID = key.id.rawValue
        self.arn = key.arn
        self.creationDate = key.creationDate
        self.enabled = state == .enabled
        self.description = key.description
        self.keyUsage = key.keyUsage
        self.keyState = state
        self.deletionDate = key.deletionDate
        self.origin = key.origin
        self.keyManager = .customer
        self.customerMasterKeySpec = key.keySpec.rawValue
        self.keySpec = key.keySpec
        self.encryptionAlgorithms = KeySpecRules.encryptionAlgorithms(key.keySpec, key.keyUsage)
        self.signingAlgorithms = KeySpecRules.signingAlgorithms(key.keySpec, key.keyUsage)
        self.macAlgorithms = KeySpecRules.macAlgorithms(key.keySpec, key.keyUsage)
        self.keyAgreementAlgorithms = KeySpecRules.keyAgreementAlgorithms(key.keySpec, key.keyUsage)
        self.multiRegion = key.multiRegion
        if key.multiRegion {
            let primaryRegion = key.primaryKeyRegion
            let primaryScope = Scope(partition: key.scope.partition, accountID: key.scope.accountID, region: primaryRegion)
            self.multiRegionConfiguration = MultiRegionConfiguration(
                multiRegionKeyType: key.isReplica ? .replica : .primary,
                primaryKey: MultiRegionKey(arn: primaryScope.keyARN(key.id), region: primaryRegion),
                replicaKeys: related.filter { $0.scope.region != primaryRegion }.map { MultiRegionKey(arn: $0.arn, region: $0.scope.region) }
            )
        }
        if state == .pendingReplicaDeletion { self.pendingDeletionWindowInDays = key.pendingWindowInDays }
        if key.keySpec == .symmetricDefault {
            self.currentKeyMaterialID = key.currentMaterial?.id
        }
        if key.origin == .external, !key.materials.isEmpty {
            // Spec §10.1: over the permanently associated materials that are present; staged material excluded.
            let present = key.materials.filter { $0.isPermanentlyAssociated && $0.importState == .imported }
            let expiring = present.compactMap(\.validTo)
            if let earliest = expiring.min() {
                self.expirationModel = .keyMaterialExpires
                self.validTo = earliest
            } else if !present.isEmpty {
                self.expirationModel = .keyMaterialDoesNotExpire
            }
            // With no material present (deleted or expired: PendingImport) AWS leaves ExpirationModel and ValidTo out
            // (LocalStack's recording describe-key-after-deleted-import).
        }
    }
}
