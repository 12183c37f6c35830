import Foundation

/// Wrapping and unwrapping of key material for import (spec §3.3, §3.4), and the compatibility matrix (§2.5).
public enum ImportWrapping {
    /// Checks an (algorithm, wrapping key spec) choice for a key spec, as GetParametersForImport does.
    /// - Throws: `UnsupportedOperationException` with the reason.
    public static func checkCompatibility(_ algorithm: WrappingAlgorithm, _ wrappingSpec: WrappingKeySpec, for keySpec: KeySpec) throws(KMSError) {
        switch algorithm {
        case .rsaesPKCS1V15:
            throw KMSError.unsupported("The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.")
        case .sm2PKE:
            throw KMSError.unsupported("The SM2PKE wrapping algorithm is only available in China Regions.")
        default: break
        }
        guard wrappingSpec != .sm2 else {
            throw KMSError.unsupported("The SM2 wrapping key spec is only available in China Regions.")
        }
        switch keySpec {
        case .rsa2048, .rsa3072, .rsa4096:
            guard algorithm.isKeyWrap else {
                throw KMSError.unsupported(
                    "RSA private keys cannot be wrapped with \(algorithm.rawValue). Use RSA_AES_KEY_WRAP_SHA_256 or RSA_AES_KEY_WRAP_SHA_1."
                )
            }
        case .eccNistP521:
            if !algorithm.isKeyWrap && wrappingSpec == .rsa2048 {
                throw KMSError.unsupported(
                    "ECC_NIST_P521 key material cannot be wrapped with \(algorithm.rawValue) and an RSA_2048 wrapping key. Use RSA_3072 or RSA_4096, or an RSA_AES_KEY_WRAP algorithm."
                )
            }
        case .mlDSA44, .mlDSA65, .mlDSA87:
            throw KMSError.unsupported("Importing \(keySpec.rawValue) key material is not supported.")
        case .sm2:
            throw KMSError.unsupported("KeySpec SM2 is only available in China Regions.")
        default:
            break
        }
    }

    /// Wraps plaintext material with a wrapping public key (DER SubjectPublicKeyInfo), as a client does.
    /// - Throws: `ValidationException` when the public key is not RSA or the material does not fit.
    public static func wrap(material: [UInt8], publicKeyDER: [UInt8], algorithm: WrappingAlgorithm) throws(KMSError) -> [UInt8] {
        guard let key = try? OpenSSLKey.publicKey(spki: publicKeyDER), case .rsa = key.kind,
            let digest = algorithm.oaepDigest
        else {
            throw KMSError.validation("The wrapping public key must be an RSA key and the algorithm RSAES_OAEP_* or RSA_AES_KEY_WRAP_*.")
        }
        if algorithm.isKeyWrap {
            let kek = SystemRandom().bytes(32)
            guard let wrapped = AESKeyWrapPad.wrap(material, kek: kek), let head = try? key.encryptOAEP(kek, digest: digest) else {
                throw KMSError.validation("The key material could not be wrapped.")
            }
            return head + wrapped
        }
        guard let encrypted = try? key.encryptOAEP(material, digest: digest) else {
            throw KMSError.validation("The key material is too large for \(algorithm.rawValue) with this wrapping key; use RSA_AES_KEY_WRAP_SHA_256.")
        }
        return encrypted
    }

    /// Unwraps `EncryptedKeyMaterial` with the wrapping private key.
    /// - Throws: `InvalidCiphertextException` on any failure (wrong key, wrong algorithm, corrupt blob).
    static func unwrap(_ encrypted: [UInt8], privateKey: OpenSSLKey, algorithm: WrappingAlgorithm) throws(KMSError) -> KeyMaterial {
        let invalid = KMSError(.invalidCiphertext, "The EncryptedKeyMaterial could not be decrypted with the wrapping key and algorithm of the import token.")
        guard case .rsa(let bits) = privateKey.kind, let digest = algorithm.oaepDigest else {
            throw invalid
        }
        let modulusBytes = bits / 8
        if algorithm.isKeyWrap {
            guard encrypted.count > modulusBytes else { throw invalid }
            guard let kek = try? privateKey.decryptOAEP(Array(encrypted[..<modulusBytes]), digest: digest), kek.count == 32,
                let material = AESKeyWrapPad.unwrap(Array(encrypted[modulusBytes...]), kek: kek)
            else { throw invalid }
            return KeyMaterial(unsafeBytes: material)
        }
        guard encrypted.count == modulusBytes, let material = try? privateKey.decryptOAEP(encrypted, digest: digest) else { throw invalid }
        return KeyMaterial(unsafeBytes: material)
    }

    /// Validates plaintext material for a key spec (spec §3.2) and returns it in canonical form
    /// (asymmetric keys re-encoded as PKCS#8 DER by OpenSSL, so the same key always has the same bytes).
    /// - Throws: `IncorrectKeyMaterialException`.
    static func canonicalMaterial(_ material: KeyMaterial, for spec: KeySpec) throws(KMSError) -> KeyMaterial {
        func incorrect(_ reason: String) -> KMSError {
            KMSError(.incorrectKeyMaterial, "The key material is invalid for key spec \(spec.rawValue): \(reason)")
        }
        let count = material.byteCount
        switch spec {
        case .symmetricDefault:
            guard count == 32 else { throw incorrect("symmetric key material must be exactly 32 bytes, got \(count).") }
            return material
        case .hmac224, .hmac256, .hmac384, .hmac512:
            let minimum = spec == .hmac224 ? 28 : spec == .hmac256 ? 32 : spec == .hmac384 ? 48 : 64
            guard (minimum...128).contains(count) else {
                throw incorrect("HMAC key material must be \(minimum) to 128 bytes, got \(count).")
            }
            return material
        default:
            break
        }
        guard let key = material.withUnsafeBytes({ try? OpenSSLKey.privateKey(pkcs8: Array($0)) }) else {
            throw incorrect("expected an unencrypted PKCS#8 private key.")
        }
        guard let expected = AsymmetricKeyType(spec) else {
            throw KMSError.unsupported("Importing \(spec.rawValue) key material is not supported.")
        }
        guard key.kind == expected else { throw incorrect("the private key is not of the key spec's algorithm, size or curve.") }
        if case .rsa = expected {
            guard !key.isMultiPrimeRSA else { throw incorrect("multi-prime RSA keys are not supported.") }
            guard key.passesPairwiseCheck else { throw incorrect("the RSA private key is not consistent.") }
        }
        if case .ec = expected {
            guard key.passesPairwiseCheck else { throw incorrect("the EC private key is not consistent.") }
            guard key.canonicalizeECEncoding() else { throw incorrect("the EC private key cannot be encoded.") }
        }
        guard let canonical = try? key.pkcs8() else { throw incorrect("the private key cannot be encoded.") }
        return KeyMaterial(unsafeBytes: canonical)
    }
}
