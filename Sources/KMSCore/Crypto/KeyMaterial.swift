import Crypto
import CryptoExtras
import Foundation
import SigV4

/// The secret half of a key. Opaque: no `Codable`, `description` is redacted, equality is constant-time.
///
/// Encoding of the bytes per key spec (what `sealed` protects at rest):
/// - SYMMETRIC_DEFAULT, HMAC_*: the raw key bytes;
/// - RSA_*, ECC_NIST_*, ECC_SECG_P256K1, ECC_NIST_EDWARDS25519: PKCS#8 DER private key;
/// - ML_DSA_*: the 32-byte seed.
public struct KeyMaterial: Sendable, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    /// Backed by `SymmetricKey`, whose storage is zeroised on release.
    private let storage: SymmetricKey

    public init(unsafeBytes bytes: some ContiguousBytes) {
        self.storage = SymmetricKey(data: bytes)
    }

    public var byteCount: Int { storage.bitCount / 8 }

    /// Calls `body` with the secret bytes. The buffer must not escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }

    public var description: String { "KeyMaterial(<redacted>)" }
    public var debugDescription: String { description }

    /// Constant-time comparison.
    public static func == (lhs: KeyMaterial, rhs: KeyMaterial) -> Bool { lhs.storage == rhs.storage }

    /// The key material ID, derived deterministically from the key and the material:
    /// `HMAC-SHA256(key: material, message: "coffer/key-material-id/v1" || 0x00 || keyID)`, shown as its 64 lower-case
    /// hex digits. The HMAC keyed by the material reveals nothing about it. See docs/storage.md.
    public func materialID(for keyID: KeyID) -> KeyMaterialID {
        var message = Array("coffer/key-material-id/v1".utf8)
        message.append(0)
        message.append(contentsOf: keyID.rawValue.utf8)
        var mac = HMACSHA256(key: storage)
        mac.update(message)
        return KeyMaterialID(digest: mac.finalize())
    }

    /// Generates fresh material for a key spec.
    /// - Throws: `UnsupportedOperationException` for specs Coffer cannot generate.
    public static func generate(for spec: KeySpec) throws(KMSError) -> KeyMaterial {
        if let reason = KeySpecRules.unsupportedReason(spec) { throw KMSError.unsupported(reason) }
        do {
            switch spec {
            case .symmetricDefault:
                return KeyMaterial(symmetric: SymmetricKey(size: .bits256))
            case .hmac224:
                return KeyMaterial(symmetric: SymmetricKey(size: SymmetricKeySize(bitCount: 224)))
            case .hmac256:
                return KeyMaterial(symmetric: SymmetricKey(size: .bits256))
            case .hmac384:
                return KeyMaterial(symmetric: SymmetricKey(size: SymmetricKeySize(bitCount: 384)))
            case .hmac512:
                return KeyMaterial(symmetric: SymmetricKey(size: SymmetricKeySize(bitCount: 512)))
            case .rsa2048:
                return KeyMaterial(unsafeBytes: try _RSA.Signing.PrivateKey(keySize: .bits2048).pkcs8DERRepresentation)
            case .rsa3072:
                return KeyMaterial(unsafeBytes: try _RSA.Signing.PrivateKey(keySize: .bits3072).pkcs8DERRepresentation)
            case .rsa4096:
                return KeyMaterial(unsafeBytes: try _RSA.Signing.PrivateKey(keySize: .bits4096).pkcs8DERRepresentation)
            case .eccNistP256:
                return KeyMaterial(unsafeBytes: P256.Signing.PrivateKey().derRepresentation)
            case .eccNistP384:
                return KeyMaterial(unsafeBytes: P384.Signing.PrivateKey().derRepresentation)
            case .eccNistP521:
                return KeyMaterial(unsafeBytes: P521.Signing.PrivateKey().derRepresentation)
            case .eccNistEdwards25519:
                return KeyMaterial(unsafeBytes: try OpenSSLKey.generate(.ed25519).pkcs8())
            case .eccSecgP256k1:
                return KeyMaterial(unsafeBytes: try OpenSSLKey.generate(.ec(.secgP256k1)).pkcs8())
            case .mlDSA65:
                return KeyMaterial(unsafeBytes: try MLDSA65.PrivateKey().seedRepresentation)
            case .mlDSA87:
                return KeyMaterial(unsafeBytes: try MLDSA87.PrivateKey().seedRepresentation)
            case .mlDSA44, .sm2:
                throw KMSError.unsupported("KeySpec \(spec.rawValue) is not supported by this server yet.")
            }
        } catch let error as KMSError {
            throw error
        } catch {
            throw KMSError.internalFailure(error)
        }
    }

    private init(symmetric: SymmetricKey) { self.storage = symmetric }
}
