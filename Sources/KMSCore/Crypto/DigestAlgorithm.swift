import COpenSSL

/// A message digest Coffer computes through OpenSSL, with its `EVP_MD` and its length.
///
/// SHA-1 serves RSA-OAEP (RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_1), SHA-224 HMAC_SHA_224 (swift-crypto lacks both
/// there); SHA-256, SHA-384 and SHA-512 the RSA and ECDSA signing algorithms and RSA-OAEP.
enum DigestAlgorithm: Sendable, Hashable, CaseIterable {
    case sha1, sha224, sha256, sha384, sha512

    /// OpenSSL's static, immutable `EVP_MD` table for the digest.
    var evpMD: OpaquePointer {
        switch self {
        case .sha1: return EVP_sha1()
        case .sha224: return EVP_sha224()
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }

    /// The length of a digest in bytes.
    var byteCount: Int {
        switch self {
        case .sha1: return 20
        case .sha224: return 28
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    /// The name OpenSSL's fetching functions know the digest by (`EVP_Q_mac`).
    var openSSLName: String {
        switch self {
        case .sha1: return "SHA1"
        case .sha224: return "SHA224"
        case .sha256: return "SHA256"
        case .sha384: return "SHA384"
        case .sha512: return "SHA512"
        }
    }

    /// The digest of `data`.
    func hash(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &out, &length, evpMD, nil) == 1 else { return [] }
        return Array(out.prefix(Int(length)))
    }

    /// HMAC with this digest; nil when OpenSSL refuses the key.
    func hmac(key: UnsafeRawBufferPointer, data: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        let result = EVP_Q_mac(nil, "HMAC", nil, openSSLName, nil, key.baseAddress, key.count, data, data.count, &out, out.count, &length)
        guard result != nil else {
            ERR_clear_error()
            return nil
        }
        return Array(out.prefix(length))
    }
}
