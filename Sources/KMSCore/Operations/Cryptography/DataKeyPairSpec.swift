import Crypto
import Foundation

public enum DataKeyPairSpec: String, Sendable, Codable {
    case rsa2048 = "RSA_2048", rsa3072 = "RSA_3072", rsa4096 = "RSA_4096"
    case eccNistP256 = "ECC_NIST_P256", eccNistP384 = "ECC_NIST_P384", eccNistP521 = "ECC_NIST_P521"
    case eccSecgP256k1 = "ECC_SECG_P256K1", sm2 = "SM2", eccNistEdwards25519 = "ECC_NIST_EDWARDS25519"

    /// RSA pairs: generated as `HeavyWork`.
    var isRSA: Bool { self == .rsa2048 || self == .rsa3072 || self == .rsa4096 }
}
