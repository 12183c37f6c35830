/// An AWS KMS enumeration. Raw values are the exact wire strings; stores persist these strings, never ordinals.
public enum KeySpec: String, Sendable, Codable, CaseIterable {
    case rsa2048 = "RSA_2048", rsa3072 = "RSA_3072", rsa4096 = "RSA_4096"
    case eccNistP256 = "ECC_NIST_P256", eccNistP384 = "ECC_NIST_P384", eccNistP521 = "ECC_NIST_P521"
    case eccSecgP256k1 = "ECC_SECG_P256K1"
    case symmetricDefault = "SYMMETRIC_DEFAULT"
    case hmac224 = "HMAC_224", hmac256 = "HMAC_256", hmac384 = "HMAC_384", hmac512 = "HMAC_512"
    case sm2 = "SM2"
    case mlDSA44 = "ML_DSA_44", mlDSA65 = "ML_DSA_65", mlDSA87 = "ML_DSA_87"
    case eccNistEdwards25519 = "ECC_NIST_EDWARDS25519"

    /// RSA keys: their generation and private-key operations are run as `HeavyWork`.
    public var isRSA: Bool { self == .rsa2048 || self == .rsa3072 || self == .rsa4096 }
}
