/// What each key spec allows: key usages, the algorithm lists KMS reports, and whether Coffer can
/// generate material for it. Rules are data, not scattered `if`s.
public enum KeySpecRules {
    /// Key usages AWS allows for a key spec.
    public static func allowedUsages(_ spec: KeySpec) -> [KeyUsage] {
        switch spec {
        case .symmetricDefault: return [.encryptDecrypt]
        case .hmac224, .hmac256, .hmac384, .hmac512: return [.generateVerifyMac]
        case .rsa2048, .rsa3072, .rsa4096: return [.encryptDecrypt, .signVerify]
        case .eccNistP256, .eccNistP384, .eccNistP521: return [.signVerify, .keyAgreement]
        case .eccSecgP256k1, .eccNistEdwards25519: return [.signVerify]
        case .mlDSA44, .mlDSA65, .mlDSA87: return [.signVerify]
        case .sm2: return [.encryptDecrypt, .signVerify, .keyAgreement]
        }
    }

    /// `EncryptionAlgorithms` in KeyMetadata.
    public static func encryptionAlgorithms(_ spec: KeySpec, _ usage: KeyUsage) -> [EncryptionAlgorithm]? {
        guard usage == .encryptDecrypt else { return nil }
        switch spec {
        case .symmetricDefault: return [.symmetricDefault]
        case .rsa2048, .rsa3072, .rsa4096: return [.rsaesOAEPSHA1, .rsaesOAEPSHA256]
        case .sm2: return [.sm2PKE]
        default: return nil
        }
    }

    /// `SigningAlgorithms` in KeyMetadata.
    public static func signingAlgorithms(_ spec: KeySpec, _ usage: KeyUsage) -> [SigningAlgorithm]? {
        guard usage == .signVerify else { return nil }
        switch spec {
        case .rsa2048, .rsa3072, .rsa4096:
            return [.rsassaPKCS1SHA256, .rsassaPKCS1SHA384, .rsassaPKCS1SHA512, .rsassaPSSSHA256, .rsassaPSSSHA384, .rsassaPSSSHA512]
        case .eccNistP256, .eccSecgP256k1: return [.ecdsaSHA256]
        case .eccNistP384: return [.ecdsaSHA384]
        case .eccNistP521: return [.ecdsaSHA512]
        case .eccNistEdwards25519: return [.ed25519SHA512, .ed25519PHSHA512]
        case .mlDSA44, .mlDSA65, .mlDSA87: return [.mlDSASHAKE256]
        case .sm2: return [.sm2DSA]
        default: return nil
        }
    }

    /// `MacAlgorithms` in KeyMetadata.
    public static func macAlgorithms(_ spec: KeySpec, _ usage: KeyUsage) -> [MacAlgorithm]? {
        guard usage == .generateVerifyMac else { return nil }
        switch spec {
        case .hmac224: return [.hmacSHA224]
        case .hmac256: return [.hmacSHA256]
        case .hmac384: return [.hmacSHA384]
        case .hmac512: return [.hmacSHA512]
        default: return nil
        }
    }

    /// `KeyAgreementAlgorithms` in KeyMetadata.
    public static func keyAgreementAlgorithms(_ spec: KeySpec, _ usage: KeyUsage) -> [KeyAgreementAlgorithm]? {
        usage == .keyAgreement ? [.ecdh] : nil
    }

    /// Whether AWS lets a key of this spec be created with `Origin=EXTERNAL`.
    public static func supportsImport(_ spec: KeySpec) -> Bool {
        switch spec {
        case .mlDSA44, .mlDSA65, .mlDSA87: return false
        default: return true
        }
    }

    /// Why Coffer cannot create keys of this spec, or nil when it can.
    /// See docs/deviations.md: these specs need algorithms swift-crypto lacks.
    public static func unsupportedReason(_ spec: KeySpec) -> String? {
        switch spec {
        case .sm2: return "KeySpec SM2 is only available in China Regions."
        case .mlDSA44: return "KeySpec ML_DSA_44 is not supported by this server: neither swift-crypto nor the system OpenSSL 3.0 implements ML-DSA-44."
        default: return nil
        }
    }

    /// The key type family; UpdateAlias requires the old and new key to share it.
    public static func family(_ spec: KeySpec) -> KeyFamily {
        switch spec {
        case .symmetricDefault: return .symmetric
        case .hmac224, .hmac256, .hmac384, .hmac512: return .hmac
        default: return .asymmetric
        }
    }
}
