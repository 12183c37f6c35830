import Crypto
import Foundation

/// Task 1 of SigV4: the canonical request.
///
/// ```
/// <method>\n<canonical URI>\n<canonical query>\n<canonical headers>\n<signed headers>\n<payload hash>
/// ```
///
/// Rules (those of botocore and of AWS services other than S3):
/// - canonical URI: the raw path as received (still percent-encoded), with
///   `.`/`..` segments resolved and empty segments (`//`) removed, then every
///   byte outside the RFC 3986 unreserved set percent-encoded except `/`.
///   Because the path is encoded as received, `%` becomes `%25`: this is the
///   "double encoding" AWS documents for every service but S3.
/// - canonical query: parameters decoded, re-encoded (unreserved set only),
///   sorted by encoded name then encoded value, `=` always present.
/// - canonical headers: the signed headers in the order listed, `name:value\n`,
///   with all values of a repeated header trimmed and joined with `,`.
struct CanonicalRequest: Sendable {
    /// The canonical request text, as UTF-8.
    let bytes: [UInt8]

    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Lower-case hex SHA-256 of the canonical request (line 4 of the string to sign).
    var hexHash: String { Hex.encode(SHA256.hash(bytes: bytes)) }

    /// - Parameters:
    ///   - path: the raw request target: path plus an optional `?query`.
    ///   - signedHeaders: lower-case header names in the order they are listed.
    ///   - signedHeadersValue: the `SignedHeaders` text; defaults to the names joined with `;`.
    ///   - payloadHash: hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    ///   - normalizePath: resolve dot segments and `//` (true for every service but S3).
    init(
        method: String,
        path: String,
        headers: [(name: String, value: String)],
        signedHeaders: [String],
        signedHeadersValue: String? = nil,
        payloadHash: String,
        normalizePath: Bool = true
    ) {
        var out: [UInt8] = []
        out.reserveCapacity(256 + path.utf8.count)
        out.append(contentsOf: method.utf8)
        out.append(0x0A)

        let target = Array(path.utf8)
        let queryStart = target.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = target[..<(queryStart ?? target.endIndex)]
        Self.appendCanonicalURI(rawPath, normalize: normalizePath, to: &out)
        out.append(0x0A)

        if let queryStart {
            Self.appendCanonicalQuery(target[(queryStart + 1)...], to: &out)
        }
        out.append(0x0A)

        for name in signedHeaders {
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ":"))
            var first = true
            for header in headers where HeaderFields.name(header.name, matches: name) {
                if !first { out.append(UInt8(ascii: ",")) }
                HeaderFields.appendTrimmed(header.value, to: &out)
                first = false
            }
            out.append(0x0A)
        }
        out.append(0x0A)

        out.append(contentsOf: (signedHeadersValue ?? signedHeaders.joined(separator: ";")).utf8)
        out.append(0x0A)
        out.append(contentsOf: payloadHash.utf8)
        bytes = out
    }

    // MARK: - Canonical URI

    /// The canonical URI of a raw (percent-encoded) path.
    static func canonicalURI(_ rawPath: String, normalize: Bool = true) -> String {
        var out: [UInt8] = []
        appendCanonicalURI(Array(rawPath.utf8)[...], normalize: normalize, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendCanonicalURI(_ rawPath: ArraySlice<UInt8>, normalize: Bool, to out: inout [UInt8]) {
        if rawPath.isEmpty {
            out.append(UInt8(ascii: "/"))
            return
        }
        guard normalize else {
            URIEncoding.append(rawPath, keepSlash: true, to: &out)
            return
        }
        // RFC 3986 5.2.4 remove_dot_segments, also dropping empty segments,
        // exactly as botocore's `remove_dot_segments`.
        var segments: [ArraySlice<UInt8>] = []
        for segment in rawPath.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.count == 1 && segment.first == UInt8(ascii: ".") { continue }
            if segment.count == 2 && segment.allSatisfy({ $0 == UInt8(ascii: ".") }) {
                _ = segments.popLast()
                continue
            }
            segments.append(segment)
        }
        if rawPath.first == UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "/")) }
            URIEncoding.append(segment, keepSlash: false, to: &out)
        }
        if rawPath.last == UInt8(ascii: "/") && !segments.isEmpty { out.append(UInt8(ascii: "/")) }
    }

    // MARK: - Canonical query string

    /// The canonical query string of a raw query (without the `?`).
    static func canonicalQuery(_ rawQuery: String) -> String {
        var out: [UInt8] = []
        appendCanonicalQuery(Array(rawQuery.utf8)[...], to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendCanonicalQuery(_ rawQuery: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var pairs: [(name: [UInt8], value: [UInt8])] = []
        for parameter in rawQuery.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = parameter.firstIndex(of: UInt8(ascii: "="))
            let rawName = parameter[..<(equals ?? parameter.endIndex)]
            let rawValue = equals.map { parameter[($0 + 1)...] } ?? []
            var name: [UInt8] = []
            var value: [UInt8] = []
            URIEncoding.append(URIEncoding.percentDecode(rawName), keepSlash: false, to: &name)
            URIEncoding.append(URIEncoding.percentDecode(rawValue), keepSlash: false, to: &value)
            pairs.append((name, value))
        }
        pairs.sort { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.lexicographicallyPrecedes(rhs.name) }
            return lhs.value.lexicographicallyPrecedes(rhs.value)
        }
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: pair.name)
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: pair.value)
        }
    }
}
