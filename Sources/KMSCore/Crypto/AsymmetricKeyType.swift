/// The algorithm and size or curve of an asymmetric key pair that OpenSSL handles: what it is asked to generate,
/// and what it reports of a parsed key.
public enum AsymmetricKeyType: Sendable, Hashable, CustomStringConvertible {
    case rsa(bits: Int)
    case ec(EllipticCurve)
    case ed25519

    /// The key pair of a key spec; nil for symmetric and HMAC specs and for the ones OpenSSL does not handle here
    /// (ML-DSA, SM2).
    public init?(_ spec: KeySpec) {
        switch spec {
        case .rsa2048: self = .rsa(bits: 2048)
        case .rsa3072: self = .rsa(bits: 3072)
        case .rsa4096: self = .rsa(bits: 4096)
        case .eccNistP256: self = .ec(.nistP256)
        case .eccNistP384: self = .ec(.nistP384)
        case .eccNistP521: self = .ec(.nistP521)
        case .eccSecgP256k1: self = .ec(.secgP256k1)
        case .eccNistEdwards25519: self = .ed25519
        case .symmetricDefault, .hmac224, .hmac256, .hmac384, .hmac512, .sm2, .mlDSA44, .mlDSA65, .mlDSA87: return nil
        }
    }

    /// The key pair of a GenerateDataKeyPair `KeyPairSpec` (whose values are KeySpec's names); nil for SM2.
    public init?(_ spec: DataKeyPairSpec) {
        guard let keySpec = KeySpec(rawValue: spec.rawValue) else { return nil }
        self.init(keySpec)
    }

    public var description: String {
        switch self {
        case .rsa(let bits): return "RSA \(bits)-bit"
        case .ec(let curve): return "EC \(curve.openSSLGroupName)"
        case .ed25519: return "Ed25519"
        }
    }
}
