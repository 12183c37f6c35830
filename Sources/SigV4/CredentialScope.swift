/// The `Credential=` value of a SigV4 Authorization header:
/// `<access key id>/<yyyyMMdd>/<region>/<service>/aws4_request`.
struct CredentialScope: Sendable, Equatable {
    static let terminatorValue = "aws4_request"

    var accessKeyID: String
    var date: String
    var region: String
    var service: String
    var terminator: String

    init(accessKeyID: String, date: String, region: String, service: String, terminator: String = terminatorValue) {
        self.accessKeyID = accessKeyID
        self.date = date
        self.region = region
        self.service = service
        self.terminator = terminator
    }

    /// Parses the shape only: five `/`-separated parts, a non-empty access key
    /// id and an eight-digit date. Region, service and terminator values are
    /// checked by the verifier (they fail with `invalidSignature`, as at AWS).
    init(parsing credential: Substring) throws(SigV4Error) {
        let parts = credential.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map(Substring.init)
        guard parts.count == 5 else {
            throw .incomplete(
                "Credential must have exactly 5 slash-delimited elements, e.g. "
                    + "'keyID/date/region/service/aws4_request'; got '\(SigV4Error.echo(credential))'."
            )
        }
        let key = parts[0]
        let date = parts[1]
        guard !key.isEmpty else {
            throw .incomplete("Credential must start with a non-empty access key ID; got '\(SigV4Error.echo(credential))'.")
        }
        guard date.utf8.count == 8, date.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .incomplete(
                "Credential scope date must be in 'YYYYMMDD' format; got '\(SigV4Error.echo(date))' in '\(SigV4Error.echo(credential))'."
            )
        }
        self.init(
            accessKeyID: String(key),
            date: String(date),
            region: String(parts[2]),
            service: String(parts[3]),
            terminator: String(parts[4])
        )
    }

    /// `<date>/<region>/<service>/<terminator>`, as in the string to sign.
    var scope: String { "\(date)/\(region)/\(service)/\(terminator)" }

    /// The full `Credential=` value.
    var credential: String { "\(accessKeyID)/\(scope)" }

    /// Regions are lower-case letters, digits and dashes (e.g. "us-east-1").
    var hasValidRegion: Bool {
        !region.isEmpty && region.utf8.count <= 64
            && region.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-")
            }
    }
}
