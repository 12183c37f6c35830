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
    /// The signing key absorbed into an HMAC: each signature copies it and hashes only the string to sign.
    private let prepared: HMACSHA256
    /// The raw key bytes (for tests).
    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.prepared = HMACSHA256(key: bytes)
    }

    init(secretAccessKey: String, date: some StringProtocol, region: String, service: String) {
        let kSecret = Array(("AWS4" + secretAccessKey).utf8)
        let kDate = Self.hmac(kSecret, Array(date.utf8))
        let kRegion = Self.hmac(kDate, Array(region.utf8))
        let kService = Self.hmac(kRegion, Array(service.utf8))
        self.init(bytes: Self.hmac(kService, Array(CredentialScope.terminatorValue.utf8)))
    }

    private static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Array(HMACSHA256.authenticationCode(message, key: key))
    }

    private func digest(for stringToSign: StringToSign) -> SHA256.Digest {
        var mac = prepared
        mac.update(stringToSign.bytes)
        return mac.finalize()
    }

    /// The raw 32-byte signature of a string to sign.
    func signature(for stringToSign: StringToSign) -> [UInt8] {
        Array(digest(for: stringToSign))
    }

    /// The lower-case hex signature of a string to sign.
    func hexSignature(for stringToSign: StringToSign) -> String {
        Hex.encode(signature(for: stringToSign))
    }

    /// Constant-time check of a provided signature (swift-crypto's digest equality).
    func isValidSignature(_ provided: [UInt8], for stringToSign: StringToSign) -> Bool {
        provided.count == SHA256.byteCount && digest(for: stringToSign) == provided
    }
}
