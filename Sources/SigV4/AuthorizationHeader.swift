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
    ///
    /// Works on one copy of the value's bytes with integer ranges: the same parse over `Substring.UTF8View` (generic
    /// `split`, `String.Index` arithmetic) cost ~48,000 instructions per request (bench/callgrind-guard). Every
    /// delimiter is ASCII, so every slice is whole UTF-8 and decodes to the text the Substring version showed.
    init(parsing rawValue: String) throws(SigV4Error) {
        let value = Self.trimmed(rawValue[...])
        // Only error messages echo the header; built on demand, not on every request.
        var echoed: String { SigV4Error.echo(value) }
        let bytes = Array(value.utf8)
        func text(_ range: Range<Int>) -> Substring { Substring(String(decoding: bytes[range], as: UTF8.self)) }
        func trim(_ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound
            var upper = range.upperBound
            while lower < upper, HeaderFields.isWhitespace(bytes[lower]) { lower += 1 }
            while upper > lower, HeaderFields.isWhitespace(bytes[upper - 1]) { upper -= 1 }
            return lower..<upper
        }
        func next(_ delimiter: UInt8, in range: Range<Int>) -> Int {
            var index = range.lowerBound
            while index < range.upperBound, bytes[index] != delimiter { index += 1 }
            return index
        }

        // Algorithm token.
        var algorithmEnd = 0
        while algorithmEnd < bytes.count, !HeaderFields.isWhitespace(bytes[algorithmEnd]) { algorithmEnd += 1 }
        guard bytes[0..<algorithmEnd].elementsEqual(Self.algorithm.utf8) else {
            throw .incomplete(
                "Unsupported AWS 'algorithm': '\(SigV4Error.echo(text(0..<algorithmEnd), limit: 64))'. "
                    + "Only '\(Self.algorithm)' is supported. Authorization=\(echoed)"
            )
        }

        // Comma-separated key=value components.
        var credentialRange: Range<Int>?
        var signedHeadersRange: Range<Int>?
        var signatureRange: Range<Int>?
        var start = algorithmEnd
        while true {
            let end = next(UInt8(ascii: ","), in: start..<bytes.count)
            defer { start = end + 1 }
            let part = trim(start..<end)
            if !part.isEmpty {
                let equals = next(UInt8(ascii: "="), in: part)
                guard equals < part.upperBound else {
                    throw .incomplete(
                        "'\(SigV4Error.echo(text(part), limit: 64))' not a valid key=value pair (missing equal-sign) in Authorization header: '\(echoed)'"
                    )
                }
                let key = trim(part.lowerBound..<equals)
                let item = trim((equals + 1)..<part.upperBound)
                if bytes[key].elementsEqual("Credential".utf8) {
                    guard credentialRange == nil else { throw Self.duplicate(text(key), echoed) }
                    credentialRange = item
                } else if bytes[key].elementsEqual("SignedHeaders".utf8) {
                    guard signedHeadersRange == nil else { throw Self.duplicate(text(key), echoed) }
                    signedHeadersRange = item
                } else if bytes[key].elementsEqual("Signature".utf8) {
                    guard signatureRange == nil else { throw Self.duplicate(text(key), echoed) }
                    signatureRange = item
                }
                // Unknown components carry no meaning for SigV4; they are ignored.
            }
            if end >= bytes.count { break }
        }

        var missing = ""
        if credentialRange == nil { missing += "Authorization header requires 'Credential' parameter. " }
        if signatureRange == nil { missing += "Authorization header requires 'Signature' parameter. " }
        if signedHeadersRange == nil { missing += "Authorization header requires 'SignedHeaders' parameter. " }
        guard let credentialRange, let signedHeadersRange, let signatureRange else {
            throw .incomplete(missing + "Authorization=\(echoed)")
        }

        let credential = try CredentialScope(parsing: text(credentialRange))

        var names: [String] = []
        var namesValid = !signedHeadersRange.isEmpty
        var nameStart = signedHeadersRange.lowerBound
        while namesValid {
            let nameEnd = next(UInt8(ascii: ";"), in: nameStart..<signedHeadersRange.upperBound)
            namesValid = Self.isHeaderName(bytes[nameStart..<nameEnd])
            names.append(String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self))
            if nameEnd >= signedHeadersRange.upperBound { break }
            nameStart = nameEnd + 1
        }
        guard namesValid else {
            throw .incomplete(
                "SignedHeaders must be a ';'-separated list of header names; got '\(SigV4Error.echo(text(signedHeadersRange)))'. Authorization=\(echoed)"
            )
        }

        guard signatureRange.count == 64, let signature = Hex.decode(bytes: bytes[signatureRange]) else {
            throw .incomplete(
                "Signature must be 64 hexadecimal characters; got '\(SigV4Error.echo(text(signatureRange), limit: 80))'. Authorization=\(echoed)"
            )
        }

        self.credential = credential
        self.signedHeaders = names
        self.signedHeadersValue = String(decoding: bytes[signedHeadersRange], as: UTF8.self)
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
    private static func isHeaderName(_ name: ArraySlice<UInt8>) -> Bool {
        !name.isEmpty
            && name.allSatisfy { byte in
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
