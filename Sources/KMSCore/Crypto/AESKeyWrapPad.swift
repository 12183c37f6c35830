import COpenSSL
import Foundation

/// AES key wrap with padding (RFC 5649), through OpenSSL's `AES-*-WRAP-PAD` ciphers.
public enum AESKeyWrapPad {
    /// Wraps `plaintext` under a 16-, 24- or 32-byte key-encryption key. Returns nil for a bad key or empty input.
    public static func wrap(_ plaintext: [UInt8], kek: [UInt8]) -> [UInt8]? { run(plaintext, kek: kek, encrypt: true) }

    /// Unwraps; nil when the integrity check fails.
    public static func unwrap(_ ciphertext: [UInt8], kek: [UInt8]) -> [UInt8]? {
        guard ciphertext.count >= 16, ciphertext.count % 8 == 0 else { return nil }
        return run(ciphertext, kek: kek, encrypt: false)
    }

    private static func run(_ input: [UInt8], kek: [UInt8], encrypt: Bool) -> [UInt8]? {
        let name: String
        switch kek.count {
        case 16: name = "AES-128-WRAP-PAD"
        case 24: name = "AES-192-WRAP-PAD"
        case 32: name = "AES-256-WRAP-PAD"
        default: return nil
        }
        guard !input.isEmpty, let cipher = EVP_CIPHER_fetch(nil, name, nil) else { return nil }
        defer { EVP_CIPHER_free(cipher) }
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        EVP_CIPHER_CTX_set_flags(ctx, Int32(EVP_CIPHER_CTX_FLAG_WRAP_ALLOW))
        guard EVP_CipherInit_ex2(ctx, cipher, kek, nil, encrypt ? 1 : 0, nil) == 1 else {
            ERR_clear_error()
            return nil
        }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var length: Int32 = 0
        guard EVP_CipherUpdate(ctx, &output, &length, input, Int32(input.count)) == 1, length >= 0 else {
            ERR_clear_error()
            return nil
        }
        var finalLength: Int32 = 0
        let finalOK = output.withUnsafeMutableBufferPointer { buffer in
            EVP_CipherFinal_ex(ctx, buffer.baseAddress?.advanced(by: Int(length)), &finalLength) == 1
        }
        guard finalOK else {
            ERR_clear_error()
            return nil
        }
        return Array(output.prefix(Int(length + finalLength)))
    }
}
