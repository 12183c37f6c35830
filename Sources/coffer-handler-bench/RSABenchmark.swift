import COpenSSL
import Foundation
import _CryptoExtras

/// The bare RSA-OAEP-SHA256 private operation (the unwrap of ImportKeyMaterial), with both libraries Coffer links:
/// the system OpenSSL 3, called the way Coffer's OpenSSLKey calls it (a fresh EVP_PKEY_CTX per operation on a parsed
/// key), and BoringSSL through swift-crypto's `_RSA`.
enum RSABenchmark {
    struct Result {
        var openSSL: Double
        var boringSSL: Double
    }

    static func run(bits: Int, count: Int) throws -> Result {
        let keySize: _RSA.Signing.KeySize = bits == 4096 ? .bits4096 : bits == 3072 ? .bits3072 : .bits2048
        let boring = try _RSA.Encryption.PrivateKey(keySize: keySize)
        let secret = Data((0..<32).map { UInt8($0) })
        let wrapped = try boring.publicKey.encrypt(secret, padding: _RSA.Encryption.Padding.PKCS1_OAEP_SHA256)

        let der = Array(boring.derRepresentation)
        guard let key = der.withUnsafeBufferPointer({ buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }) else { throw BenchmarkError("OpenSSL could not parse the key") }
        defer { EVP_PKEY_free(key) }
        let input = Array(wrapped)

        func openSSLDecrypt() throws {
            guard let ctx = EVP_PKEY_CTX_new(key, nil) else { throw BenchmarkError("EVP_PKEY_CTX_new") }
            defer { EVP_PKEY_CTX_free(ctx) }
            guard EVP_PKEY_decrypt_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) == 1, EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1
            else { throw BenchmarkError("OpenSSL OAEP set-up") }
            var length = 0
            guard EVP_PKEY_decrypt(ctx, nil, &length, input, input.count) == 1 else { throw BenchmarkError("OpenSSL size") }
            var output = [UInt8](repeating: 0, count: length)
            guard EVP_PKEY_decrypt(ctx, &output, &length, input, input.count) == 1, length == 32 else {
                throw BenchmarkError("OpenSSL decrypt")
            }
        }
        func boringDecrypt() throws {
            guard try boring.decrypt(wrapped, padding: _RSA.Encryption.Padding.PKCS1_OAEP_SHA256).count == 32 else { throw BenchmarkError("BoringSSL decrypt") }
        }

        // Warm-up, then alternate the two so that frequency changes hit both.
        try openSSLDecrypt()
        try boringDecrypt()
        var openSSL: [Double] = []
        var boringSSL: [Double] = []
        for _ in 0..<3 {
            openSSL.append(try CPUClock.microsecondsPerCall(count, openSSLDecrypt))
            boringSSL.append(try CPUClock.microsecondsPerCall(count, boringDecrypt))
        }
        return Result(openSSL: openSSL.min()!, boringSSL: boringSSL.min()!)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
