import Crypto
import Foundation

/// Tasks 3 and 4 of SigV4: the derived signing key and the signature.
///
/// ```
/// kDate    = HMAC("AWS4" + secret, yyyyMMdd)
/// kRegion  = HMAC(kDate, region)
/// kService = HMAC(kRegion, service)
/// kSigning = HMAC(kService, "aws4_request")
/// signature = hex(HMAC(kSigning, stringToSign))
/// ```
struct SigningKey: Sendable {
    let key: SymmetricKey

    init(key: SymmetricKey) {
        self.key = key
    }

    init(secretAccessKey: String, date: some StringProtocol, region: String, service: String) {
        let kSecret = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        let kDate = Self.hmac(kSecret, Array(date.utf8))
        let kRegion = Self.hmac(kDate, Array(region.utf8))
        let kService = Self.hmac(kRegion, Array(service.utf8))
        key = Self.hmac(kService, Array(CredentialScope.terminatorValue.utf8))
    }

    /// The raw key bytes (for tests).
    var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    private static func hmac(_ key: SymmetricKey, _ message: [UInt8]) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// The raw 32-byte signature of a string to sign.
    func signature(for stringToSign: StringToSign) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: stringToSign.bytes, using: key))
    }

    /// The lower-case hex signature of a string to sign.
    func hexSignature(for stringToSign: StringToSign) -> String {
        Hex.encode(signature(for: stringToSign))
    }

    /// Constant-time check of a provided signature.
    func isValidSignature(_ provided: [UInt8], for stringToSign: StringToSign) -> Bool {
        provided.count == SHA256.byteCount
            && HMAC<SHA256>.isValidAuthenticationCode(provided, authenticating: stringToSign.bytes, using: key)
    }
}
