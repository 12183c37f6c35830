import ArgumentParser
import Foundation
import KMSCore

enum ByokWrappingKeySpec: String, CaseIterable, ExpressibleByArgument {
    case rsa2048 = "RSA_2048", rsa3072 = "RSA_3072", rsa4096 = "RSA_4096"

    var spec: WrappingKeySpec {
        switch self {
        case .rsa2048: return .rsa2048
        case .rsa3072: return .rsa3072
        case .rsa4096: return .rsa4096
        }
    }
}
