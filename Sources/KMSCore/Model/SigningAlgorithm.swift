/// An AWS KMS enumeration. Raw values are the exact wire strings; stores persist these strings, never ordinals.
public enum SigningAlgorithm: String, Sendable, Codable, CaseIterable {
    case rsassaPSSSHA256 = "RSASSA_PSS_SHA_256", rsassaPSSSHA384 = "RSASSA_PSS_SHA_384", rsassaPSSSHA512 = "RSASSA_PSS_SHA_512"
    case rsassaPKCS1SHA256 = "RSASSA_PKCS1_V1_5_SHA_256", rsassaPKCS1SHA384 = "RSASSA_PKCS1_V1_5_SHA_384"
    case rsassaPKCS1SHA512 = "RSASSA_PKCS1_V1_5_SHA_512"
    case ecdsaSHA256 = "ECDSA_SHA_256", ecdsaSHA384 = "ECDSA_SHA_384", ecdsaSHA512 = "ECDSA_SHA_512"
    case sm2DSA = "SM2DSA"
    case mlDSASHAKE256 = "ML_DSA_SHAKE_256"
    case ed25519SHA512 = "ED25519_SHA_512", ed25519PHSHA512 = "ED25519_PH_SHA_512"
}
