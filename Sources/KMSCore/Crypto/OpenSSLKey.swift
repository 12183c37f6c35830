import COpenSSL
import Foundation

/// An OpenSSL `EVP_PKEY`, for the operations swift-crypto lacks or does not expose: signing a caller-supplied
/// digest with RSA and ECDSA (including secp256k1), RSA-OAEP, ECDH, and key generation for secp256k1 and Ed25519.
///
/// `@unchecked Sendable`: an `EVP_PKEY` is immutable after creation, and OpenSSL 3 allows concurrent use of one
/// key from several threads for sign/verify/encrypt/decrypt/derive (each call makes its own `EVP_PKEY_CTX`).
final class OpenSSLKey: @unchecked Sendable {
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    struct Failure: Error {}

    /// Parses a PKCS#8 DER private key.
    static func privateKey(pkcs8 der: [UInt8]) throws(Failure) -> OpenSSLKey {
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        guard let key else { throw clearAndFail() }
        return OpenSSLKey(key)
    }

    /// Parses a DER SubjectPublicKeyInfo.
    static func publicKey(spki der: [UInt8]) throws(Failure) -> OpenSSLKey {
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let key else { throw clearAndFail() }
        return OpenSSLKey(key)
    }

    /// Generates a key pair of the given type.
    static func generate(_ type: AsymmetricKeyType) throws(Failure) -> OpenSSLKey {
        let algorithm: String
        switch type {
        case .rsa: algorithm = "RSA"
        case .ec: algorithm = "EC"
        case .ed25519: algorithm = "ED25519"
        }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else { throw clearAndFail() }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw clearAndFail() }
        switch type {
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else { throw clearAndFail() }
        case .ec(let curve):
            guard EVP_PKEY_CTX_set_group_name(ctx, curve.openSSLGroupName) == 1 else { throw clearAndFail() }
        case .ed25519:
            break
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(ctx, &key) == 1, let key else { throw clearAndFail() }
        return OpenSSLKey(key)
    }

    /// The key's type; nil for other algorithms and for EC keys on curves outside KMS's key specs.
    var kind: AsymmetricKeyType? {
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA: return .rsa(bits: Int(EVP_PKEY_get_bits(pointer)))
        case EVP_PKEY_EC:
            var buffer = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pointer, &buffer, buffer.count, &length) == 1 else { return nil }
            return EllipticCurve(openSSLGroupName: String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
                .map { .ec($0) }
        case EVP_PKEY_ED25519: return .ed25519
        default: return nil
        }
    }

    /// The private key as PKCS#8 DER.
    func pkcs8() throws(Failure) -> [UInt8] {
        guard let info = EVP_PKEY2PKCS8(pointer) else { throw Self.clearAndFail() }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, &out)
        guard length > 0, let out else { throw Self.clearAndFail() }
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// The public key as DER SubjectPublicKeyInfo.
    func spki() throws(Failure) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(pointer, &out)
        guard length > 0, let out else { throw Self.clearAndFail() }
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    enum Padding {
        case none
        case pkcs1
        case pss
    }

    /// Signs a digest computed with `algorithm` (RSA PKCS#1 v1.5 / PSS with salt length = digest length; ECDSA DER).
    func sign(digest: [UInt8], algorithm: DigestAlgorithm, padding: Padding) throws(Failure) -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new(pointer, nil) else { throw Self.clearAndFail() }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_sign_init(ctx) == 1 else { throw Self.clearAndFail() }
        try configure(ctx, digest: algorithm, padding: padding)
        var length = 0
        guard EVP_PKEY_sign(ctx, nil, &length, digest, digest.count) == 1 else { throw Self.clearAndFail() }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign(ctx, &signature, &length, digest, digest.count) == 1 else { throw Self.clearAndFail() }
        return Array(signature.prefix(length))
    }

    /// Verifies a signature over a digest.
    func verify(signature: [UInt8], digest: [UInt8], algorithm: DigestAlgorithm, padding: Padding) -> Bool {
        guard let ctx = EVP_PKEY_CTX_new(pointer, nil) else { _ = Self.clearAndFail(); return false }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_verify_init(ctx) == 1, (try? configure(ctx, digest: algorithm, padding: padding)) != nil else {
            _ = Self.clearAndFail()
            return false
        }
        let result = EVP_PKEY_verify(ctx, signature, signature.count, digest, digest.count)
        if result != 1 { ERR_clear_error() }
        return result == 1
    }

    /// Pure EdDSA (Ed25519) over a whole message.
    func signMessage(_ message: [UInt8]) throws(Failure) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw Self.clearAndFail() }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, pointer) == 1 else { throw Self.clearAndFail() }
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, message, message.count) == 1 else { throw Self.clearAndFail() }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, message, message.count) == 1 else { throw Self.clearAndFail() }
        return Array(signature.prefix(length))
    }

    func verifyMessage(signature: [UInt8], message: [UInt8]) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pointer) == 1 else { _ = Self.clearAndFail(); return false }
        let result = EVP_DigestVerify(ctx, signature, signature.count, message, message.count)
        if result != 1 { ERR_clear_error() }
        return result == 1
    }

    /// RSA-OAEP with `digest` for both the label hash and MGF1.
    func encryptOAEP(_ plaintext: [UInt8], digest: DigestAlgorithm) throws(Failure) -> [UInt8] {
        try crypt(plaintext, md: digest.evpMD, encrypt: true)
    }

    func decryptOAEP(_ ciphertext: [UInt8], digest: DigestAlgorithm) throws(Failure) -> [UInt8] {
        try crypt(ciphertext, md: digest.evpMD, encrypt: false)
    }

    /// ECDH: the shared secret (the x-coordinate) with a peer public key.
    func deriveSharedSecret(with peer: OpenSSLKey) throws(Failure) -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new(pointer, nil) else { throw Self.clearAndFail() }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peer.pointer) == 1 else { throw Self.clearAndFail() }
        var length = 0
        guard EVP_PKEY_derive(ctx, nil, &length) == 1 else { throw Self.clearAndFail() }
        var secret = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_derive(ctx, &secret, &length) == 1 else { throw Self.clearAndFail() }
        return Array(secret.prefix(length))
    }

    private func crypt(_ input: [UInt8], md: OpaquePointer, encrypt: Bool) throws(Failure) -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new(pointer, nil) else { throw Self.clearAndFail() }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard (encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1,
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1,
            EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1,
            EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1
        else { throw Self.clearAndFail() }
        var length = 0
        let first = encrypt ? EVP_PKEY_encrypt(ctx, nil, &length, input, input.count) : EVP_PKEY_decrypt(ctx, nil, &length, input, input.count)
        guard first == 1 else { throw Self.clearAndFail() }
        var output = [UInt8](repeating: 0, count: length)
        let second = encrypt ? EVP_PKEY_encrypt(ctx, &output, &length, input, input.count) : EVP_PKEY_decrypt(ctx, &output, &length, input, input.count)
        guard second == 1 else { throw Self.clearAndFail() }
        return Array(output.prefix(length))
    }

    private func configure(_ ctx: OpaquePointer, digest: DigestAlgorithm, padding: Padding) throws(Failure) {
        let md = digest.evpMD
        switch padding {
        case .none:
            guard EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 else { throw Self.clearAndFail() }
        case .pkcs1:
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1, EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 else {
                throw Self.clearAndFail()
            }
        case .pss:
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1, EVP_PKEY_CTX_set_signature_md(ctx, md) == 1,
                EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1, EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1
            else { throw Self.clearAndFail() }
        }
    }

    private static func clearAndFail() -> Failure {
        ERR_clear_error()
        return Failure()
    }
}

extension OpenSSLKey {
    /// OpenSSL's consistency check of a private key (for RSA: primes, exponents, CRT values; for EC: the point).
    var passesPairwiseCheck: Bool {
        guard let ctx = EVP_PKEY_CTX_new(pointer, nil) else { return false }
        defer { EVP_PKEY_CTX_free(ctx) }
        let result = EVP_PKEY_pairwise_check(ctx)
        ERR_clear_error()
        return result == 1
    }

    /// Makes the PKCS#8 encoding of an EC key canonical: the public point included and uncompressed, whatever the
    /// imported encoding had (OpenSSL derives the point when it was omitted).
    func canonicalizeECEncoding() -> Bool {
        let included = EVP_PKEY_set_int_param(pointer, "include-public", 1) == 1
        let uncompressed = EVP_PKEY_set_utf8_string_param(pointer, "point-format", "uncompressed") == 1
        ERR_clear_error()
        return included && uncompressed
    }

    /// True for RSA keys with more than two primes.
    var isMultiPrimeRSA: Bool {
        var factor: OpaquePointer?
        let found = EVP_PKEY_get_bn_param(pointer, "rsa-factor3", &factor)
        if let factor { BN_free(factor) }
        ERR_clear_error()
        return found == 1
    }
}
