/// Task 2 of SigV4: the string to sign.
///
/// ```
/// AWS4-HMAC-SHA256\n<yyyyMMddTHHmmssZ>\n<date>/<region>/<service>/aws4_request\n<hex SHA-256 of the canonical request>
/// ```
struct StringToSign: Sendable, Equatable {
    let amzDate: String
    let credentialScope: String
    let canonicalRequestHash: String

    init(amzDate: String, credentialScope: String, canonicalRequestHash: String) {
        self.amzDate = amzDate
        self.credentialScope = credentialScope
        self.canonicalRequestHash = canonicalRequestHash
    }

    init(amzDate: String, credentialScope: String, canonicalRequest: CanonicalRequest) {
        self.init(amzDate: amzDate, credentialScope: credentialScope, canonicalRequestHash: canonicalRequest.hexHash)
    }

    var string: String {
        "\(AuthorizationHeader.algorithm)\n\(amzDate)\n\(credentialScope)\n\(canonicalRequestHash)"
    }

    var bytes: [UInt8] { Array(string.utf8) }
}
