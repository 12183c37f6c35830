/// The elliptic curves of KMS's ECC key specs, with the group names OpenSSL knows them by.
public enum EllipticCurve: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// NIST P-256 (ECC_NIST_P256).
    case nistP256
    /// NIST P-384 (ECC_NIST_P384).
    case nistP384
    /// NIST P-521 (ECC_NIST_P521).
    case nistP521
    /// SECG secp256k1 (ECC_SECG_P256K1).
    case secgP256k1

    /// OpenSSL's group name (`EVP_PKEY_CTX_set_group_name`, `EVP_PKEY_get_group_name`).
    public var openSSLGroupName: String {
        switch self {
        case .nistP256: return "prime256v1"
        case .nistP384: return "secp384r1"
        case .nistP521: return "secp521r1"
        case .secgP256k1: return "secp256k1"
        }
    }

    /// The curve OpenSSL names `groupName`; nil for curves outside KMS's key specs.
    public init?(openSSLGroupName groupName: String) {
        guard let curve = Self.allCases.first(where: { $0.openSSLGroupName == groupName }) else { return nil }
        self = curve
    }

    /// The OpenSSL group name.
    public var description: String { openSSLGroupName }
}
