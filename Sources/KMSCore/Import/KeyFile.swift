import Foundation
import SwiftASN1

/// Reading key files for bring-your-own-key imports, as a client does before wrapping.
///
/// - Private keys: PEM (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`) or DER (PKCS#8, PKCS#1, SEC1), turned
///   into the PKCS#8 DER that ImportKeyMaterial expects, re-encoded by OpenSSL (so every form of one key gives the
///   same bytes). Encrypted keys are refused.
/// - Wrapping public keys: DER SubjectPublicKeyInfo, PEM `PUBLIC KEY`, or the base64 text that
///   `aws kms get-parameters-for-import --query PublicKey --output text` prints.
///
/// Errors never quote the file's contents.
public enum KeyFile {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The kind of a private key, as OpenSSL reports it.
    public enum PrivateKeyKind: Sendable, Equatable, CustomStringConvertible {
        case rsa(bits: Int)
        case ec(EllipticCurve)
        case ed25519
        /// Another algorithm, or EC on a curve outside KMS's key specs.
        case other

        public var description: String {
            switch self {
            case .rsa(let bits): return "RSA \(bits)-bit"
            case .ec(let curve): return "EC \(curve.openSSLGroupName)"
            case .ed25519: return "Ed25519"
            case .other: return "unknown key type"
            }
        }
    }

    /// PEM labels accepted for private keys.
    static let privateKeyLabels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]

    /// True when the bytes look like PEM text (a `-----BEGIN ` line).
    public static func looksLikePEM(_ data: [UInt8]) -> Bool {
        guard let text = String(validating: data, as: UTF8.self) else { return false }
        return text.contains("-----BEGIN ")
    }

    /// The private key in `data` (PEM or DER, PKCS#8 / PKCS#1 / SEC1) as unencrypted PKCS#8 DER.
    public static func privateKeyPKCS8(_ data: [UInt8]) throws(Failure) -> [UInt8] {
        try parsePrivateKey(data).pkcs8
    }

    /// The kind of the private key in `data` (PEM or DER).
    public static func privateKeyKind(_ data: [UInt8]) throws(Failure) -> PrivateKeyKind {
        try parsePrivateKey(data).kind
    }

    static func parsePrivateKey(_ data: [UInt8]) throws(Failure) -> (pkcs8: [UInt8], kind: PrivateKeyKind) {
        let der: [UInt8]
        if looksLikePEM(data) {
            der = try pemBody(data, labels: privateKeyLabels, what: "private key")
        } else {
            der = data
        }
        guard isSingleDERSequence(der), let key = try? OpenSSLKey.privateKey(pkcs8: der) else {
            throw Failure("the key file does not hold an unencrypted private key (PKCS#8, PKCS#1 or SEC1, as PEM or DER).")
        }
        guard let pkcs8 = try? key.pkcs8() else {
            throw Failure("the private key cannot be encoded as PKCS#8.")
        }
        let kind: PrivateKeyKind
        switch key.kind {
        case .rsa(let bits): kind = .rsa(bits: bits)
        case .ec(let curve): kind = .ec(curve)
        case .ed25519: kind = .ed25519
        case nil: kind = .other
        }
        return (pkcs8, kind)
    }

    /// The wrapping public key in `data` as DER SubjectPublicKeyInfo: DER as is, PEM `PUBLIC KEY`, or base64 text.
    public static func publicKeySPKI(_ data: [UInt8]) throws(Failure) -> [UInt8] {
        let der: [UInt8]
        if looksLikePEM(data) {
            der = try pemBody(data, labels: ["PUBLIC KEY"], what: "public key")
        } else if isSingleDERSequence(data) {
            der = data
        } else if let text = String(validating: data, as: UTF8.self),
            let decoded = Data(base64Encoded: text.filter { !$0.isWhitespace })
        {
            der = Array(decoded)
        } else {
            throw Failure("the public key file is neither DER, PEM nor base64.")
        }
        guard isSingleDERSequence(der), (try? OpenSSLKey.publicKey(spki: der)) != nil else {
            throw Failure("the public key file does not hold a SubjectPublicKeyInfo public key.")
        }
        return der
    }

    /// The DER bytes of the first PEM block with one of `labels`, parsed by swift-asn1's `PEMDocument`.
    static func pemBody(_ data: [UInt8], labels: [String], what: String) throws(Failure) -> [UInt8] {
        guard let text = String(validating: data, as: UTF8.self) else { throw Failure("the \(what) file is not PEM text.") }
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type:") {
            throw Failure("encrypted PEM \(what)s are not supported; decrypt it first (openssl pkey).")
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw Failure("the \(what) file has a malformed PEM block.")
        }
        guard !documents.isEmpty else { throw Failure("the \(what) file has no complete PEM block.") }
        if let match = documents.first(where: { labels.contains($0.discriminator) }) { return match.derBytes }
        let expected = labels.map { "\"\($0)\"" }.joined(separator: ", ")
        throw Failure("the PEM file holds \(documents.map { "\"\($0.discriminator)\"" }.joined(separator: ", ")), not \(expected).")
    }

    /// True when `der` is exactly one DER SEQUENCE (tag, definite length, and nothing after it).
    static func isSingleDERSequence(_ der: [UInt8]) -> Bool {
        guard der.count >= 2, der[0] == 0x30 else { return false }
        let first = Int(der[1])
        let headerLength: Int
        let contentLength: Int
        if first < 0x80 {
            headerLength = 2
            contentLength = first
        } else {
            let count = first & 0x7F
            guard (1...4).contains(count), der.count >= 2 + count else { return false }
            var length = 0
            for byte in der[2..<(2 + count)] { length = length << 8 | Int(byte) }
            headerLength = 2 + count
            contentLength = length
        }
        return der.count == headerLength + contentLength
    }
}
