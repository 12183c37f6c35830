/// AWS KMS enumerations. Raw values are the exact wire strings; stores persist these strings, never ordinals.

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

public enum KeyUsage: String, Sendable, Codable, CaseIterable {
    case signVerify = "SIGN_VERIFY"
    case encryptDecrypt = "ENCRYPT_DECRYPT"
    case generateVerifyMac = "GENERATE_VERIFY_MAC"
    case keyAgreement = "KEY_AGREEMENT"
}

public enum Origin: String, Sendable, Codable, CaseIterable {
    case awsKMS = "AWS_KMS"
    case external = "EXTERNAL"
    case awsCloudHSM = "AWS_CLOUDHSM"
    case externalKeyStore = "EXTERNAL_KEY_STORE"
}

public enum KeyState: String, Sendable, Codable, CaseIterable {
    case creating = "Creating"
    case enabled = "Enabled"
    case disabled = "Disabled"
    case pendingDeletion = "PendingDeletion"
    case pendingImport = "PendingImport"
    case pendingReplicaDeletion = "PendingReplicaDeletion"
    case unavailable = "Unavailable"
    case updating = "Updating"
}

public enum EncryptionAlgorithm: String, Sendable, Codable, CaseIterable {
    case symmetricDefault = "SYMMETRIC_DEFAULT"
    case rsaesOAEPSHA1 = "RSAES_OAEP_SHA_1"
    case rsaesOAEPSHA256 = "RSAES_OAEP_SHA_256"
    case sm2PKE = "SM2PKE"
}

public enum SigningAlgorithm: String, Sendable, Codable, CaseIterable {
    case rsassaPSSSHA256 = "RSASSA_PSS_SHA_256", rsassaPSSSHA384 = "RSASSA_PSS_SHA_384", rsassaPSSSHA512 = "RSASSA_PSS_SHA_512"
    case rsassaPKCS1SHA256 = "RSASSA_PKCS1_V1_5_SHA_256", rsassaPKCS1SHA384 = "RSASSA_PKCS1_V1_5_SHA_384"
    case rsassaPKCS1SHA512 = "RSASSA_PKCS1_V1_5_SHA_512"
    case ecdsaSHA256 = "ECDSA_SHA_256", ecdsaSHA384 = "ECDSA_SHA_384", ecdsaSHA512 = "ECDSA_SHA_512"
    case sm2DSA = "SM2DSA"
    case mlDSASHAKE256 = "ML_DSA_SHAKE_256"
    case ed25519SHA512 = "ED25519_SHA_512", ed25519PHSHA512 = "ED25519_PH_SHA_512"
}

public enum MacAlgorithm: String, Sendable, Codable, CaseIterable {
    case hmacSHA224 = "HMAC_SHA_224", hmacSHA256 = "HMAC_SHA_256", hmacSHA384 = "HMAC_SHA_384", hmacSHA512 = "HMAC_SHA_512"
}

public enum KeyAgreementAlgorithm: String, Sendable, Codable, CaseIterable {
    case ecdh = "ECDH"
}

public enum ExpirationModel: String, Sendable, Codable, CaseIterable {
    case keyMaterialExpires = "KEY_MATERIAL_EXPIRES"
    case keyMaterialDoesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE"
}

public enum MultiRegionKeyType: String, Sendable, Codable, CaseIterable {
    case primary = "PRIMARY", replica = "REPLICA"
}

public enum KeyManager: String, Sendable, Codable, CaseIterable {
    case aws = "AWS", customer = "CUSTOMER"
}
