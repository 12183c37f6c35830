import ArgumentParser
import Foundation
import KMSCore

/// The wrapping algorithms a client can use outside China Regions.
enum ByokWrappingAlgorithm: String, CaseIterable, ExpressibleByArgument {
    case rsaesOAEPSHA1 = "RSAES_OAEP_SHA_1"
    case rsaesOAEPSHA256 = "RSAES_OAEP_SHA_256"
    case rsaAESKeyWrapSHA1 = "RSA_AES_KEY_WRAP_SHA_1"
    case rsaAESKeyWrapSHA256 = "RSA_AES_KEY_WRAP_SHA_256"

    var algorithm: WrappingAlgorithm {
        switch self {
        case .rsaesOAEPSHA1: return .rsaesOAEPSHA1
        case .rsaesOAEPSHA256: return .rsaesOAEPSHA256
        case .rsaAESKeyWrapSHA1: return .rsaAESKeyWrapSHA1
        case .rsaAESKeyWrapSHA256: return .rsaAESKeyWrapSHA256
        }
    }
}
