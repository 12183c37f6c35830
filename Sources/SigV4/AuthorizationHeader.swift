/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` value.
struct AuthorizationHeader: Sendable, Equatable {
    static let algorithm = "AWS4-HMAC-SHA256"

    var credential: CredentialScope
    /// The signed header names, in the order listed.
    var signedHeaders: [String]
    /// The `SignedHeaders=` value exactly as sent (it goes into the canonical request).
    var signedHeadersValue: String
    /// The 32 signature bytes.
    var signature: [UInt8]

    init(credential: CredentialScope, signedHeaders: [String], signature: [UInt8]) {
        self.credential = credential
        self.signedHeaders = signedHeaders
        self.signedHeadersValue = signedHeaders.joined(separator: ";")
        self.signature = signature
    }

    /// Parses a header value; every malformation is an `incompleteSignature`.
    init(parsing rawValue: String) throws(SigV4Error) {
        let value = Self.trimmed(rawValue[...])
        // Only error messages echo the header; built on demand, not on every request.
        var echoed: String { SigV4Error.echo(value) }

        // Algorithm token.
        let algorithmEnd = value.utf8.firstIndex(where: HeaderFields.isWhitespace) ?? value.endIndex
        let algorithm = Substring(value.utf8[..<algorithmEnd])
        guard algorithm.utf8.elementsEqual(Self.algorithm.utf8) else {
            throw .incomplete(
                "Unsupported AWS 'algorithm': '\(SigV4Error.echo(algorithm, limit: 64))'. "
                    + "Only '\(Self.algorithm)' is supported. Authorization=\(echoed)"
            )
        }

        // Comma-separated key=value components.
        var credentialValue: Substring?
        var signedHeadersValue: Substring?
        var signatureValue: Substring?
        for rawPart in value.utf8[algorithmEnd...].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let part = Self.trimmed(Substring(rawPart))
            if part.isEmpty { continue }
            guard let equals = part.utf8.firstIndex(of: UInt8(ascii: "=")) else {
                throw .incomplete(
                    "'\(SigV4Error.echo(part, limit: 64))' not a valid key=value pair (missing equal-sign) in Authorization header: '\(echoed)'"
                )
            }
            let key = Self.trimmed(Substring(part.utf8[..<equals]))
            let item = Self.trimmed(Substring(part.utf8[part.utf8.index(after: equals)...]))
            switch String(key) {
            case "Credential":
                guard credentialValue == nil else { throw Self.duplicate(key, echoed) }
                credentialValue = item
            case "SignedHeaders":
                guard signedHeadersValue == nil else { throw Self.duplicate(key, echoed) }
                signedHeadersValue = item
            case "Signature":
                guard signatureValue == nil else { throw Self.duplicate(key, echoed) }
                signatureValue = item
            default:
                // Unknown components carry no meaning for SigV4; they are ignored.
                continue
            }
        }

        var missing = ""
        if credentialValue == nil { missing += "Authorization header requires 'Credential' parameter. " }
        if signatureValue == nil { missing += "Authorization header requires 'Signature' parameter. " }
        if signedHeadersValue == nil { missing += "Authorization header requires 'SignedHeaders' parameter. " }
        guard let credentialValue, let signedHeadersValue, let signatureValue else {
            throw .incomplete(missing + "Authorization=\(echoed)")
        }

        let credential = try CredentialScope(parsing: credentialValue)

        let names = signedHeadersValue.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
            .map(Substring.init)
        guard !signedHeadersValue.isEmpty, names.allSatisfy(Self.isHeaderName) else {
            throw .incomplete(
                "SignedHeaders must be a ';'-separated list of header names; got '\(SigV4Error.echo(signedHeadersValue))'. Authorization=\(echoed)"
            )
        }

        guard signatureValue.utf8.count == 64, let signature = Hex.decode(signatureValue) else {
            throw .incomplete(
                "Signature must be 64 hexadecimal characters; got '\(SigV4Error.echo(signatureValue, limit: 80))'. Authorization=\(echoed)"
            )
        }

        self.credential = credential
        self.signedHeaders = names.map(String.init)
        self.signedHeadersValue = String(signedHeadersValue)
        self.signature = signature
    }

    /// The header value a signer sends.
    var headerValue: String {
        "\(Self.algorithm) Credential=\(credential.credential), SignedHeaders=\(signedHeadersValue), Signature=\(Hex.encode(signature))"
    }

    private static func duplicate(_ key: Substring, _ echoed: String) -> SigV4Error {
        .incomplete("Authorization header has more than one '\(key)' parameter. Authorization=\(echoed)")
    }

    /// A header-name token: visible ASCII, no separators used by SigV4.
    private static func isHeaderName(_ name: Substring) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: ":") && byte != UInt8(ascii: ",")
            }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var bytes = text.utf8[...]
        while let first = bytes.first, HeaderFields.isWhitespace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, HeaderFields.isWhitespace(last) { bytes = bytes.dropLast() }
        return Substring(bytes)
    }
}
