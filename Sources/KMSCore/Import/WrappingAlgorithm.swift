import Foundation

/// `WrappingAlgorithm` of GetParametersForImport (AWS's `AlgorithmSpec`).
public enum WrappingAlgorithm: String, Sendable, Codable, CaseIterable {
    case rsaesPKCS1V15 = "RSAES_PKCS1_V1_5"
    case rsaesOAEPSHA1 = "RSAES_OAEP_SHA_1"
    case rsaesOAEPSHA256 = "RSAES_OAEP_SHA_256"
    case rsaAESKeyWrapSHA1 = "RSA_AES_KEY_WRAP_SHA_1"
    case rsaAESKeyWrapSHA256 = "RSA_AES_KEY_WRAP_SHA_256"
    case sm2PKE = "SM2PKE"

    /// The RSA-OAEP digest of the algorithm (label hash and MGF1); nil for the ones Coffer does not implement.
    var oaepDigest: DigestAlgorithm? {
        switch self {
        case .rsaesOAEPSHA1, .rsaAESKeyWrapSHA1: return .sha1
        case .rsaesOAEPSHA256, .rsaAESKeyWrapSHA256: return .sha256
        default: return nil
        }
    }

    var isKeyWrap: Bool { self == .rsaAESKeyWrapSHA1 || self == .rsaAESKeyWrapSHA256 }
}
