import ArgumentParser
import Foundation
import KMSCore

enum ByokWrappingKeySpec: String, CaseIterable, ExpressibleByArgument {
    case rsa2048 = "RSA_2048", rsa3072 = "RSA_3072", rsa4096 = "RSA_4096"
}
