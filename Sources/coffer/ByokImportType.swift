import ArgumentParser
import Foundation
import KMSCore

enum ByokImportType: String, CaseIterable, ExpressibleByArgument {
    case new = "NEW_KEY_MATERIAL"
    case existing = "EXISTING_KEY_MATERIAL"

    var importType: ImportType {
        switch self {
        case .new: return .newKeyMaterial
        case .existing: return .existingKeyMaterial
        }
    }
}
