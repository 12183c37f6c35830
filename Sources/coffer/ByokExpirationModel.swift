import ArgumentParser
import Foundation
import KMSCore

enum ByokExpirationModel: String, CaseIterable, ExpressibleByArgument {
    case expires = "KEY_MATERIAL_EXPIRES"
    case doesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE"

    var model: ExpirationModel {
        switch self {
        case .expires: return .keyMaterialExpires
        case .doesNotExpire: return .keyMaterialDoesNotExpire
        }
    }
}
