import Foundation

/// `WrappingKeySpec` of GetParametersForImport.
public enum WrappingKeySpec: String, Sendable, Codable, CaseIterable {
    case rsa2048 = "RSA_2048", rsa3072 = "RSA_3072", rsa4096 = "RSA_4096", sm2 = "SM2"

    public var bits: Int? {
        switch self {
        case .rsa2048: return 2048
        case .rsa3072: return 3072
        case .rsa4096: return 4096
        case .sm2: return nil
        }
    }
}
