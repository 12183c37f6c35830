import Foundation

public enum ImportType: String, Sendable, Codable {
    case newKeyMaterial = "NEW_KEY_MATERIAL", existingKeyMaterial = "EXISTING_KEY_MATERIAL"
}
