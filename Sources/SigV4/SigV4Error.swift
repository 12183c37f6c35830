/// A verification failure, with AWS's wording in `message`.
///
/// `message` is safe to send to the client: it never contains the secret
/// access key, the signing key or the signature the server computed.
public struct SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No Authorization header at all.
        case missingAuthenticationToken
        /// The Authorization header or the date header is malformed or incomplete.
        case incompleteSignature
        /// The access key id is unknown.
        case unrecognizedClient
        /// Bad credential scope, payload hash mismatch or wrong signature.
        case invalidSignature
        /// The request time is outside the allowed clock skew.
        case signatureExpired
        /// The session token is missing, unexpected or wrong.
        case invalidSecurityToken

        /// The `__type` AWS JSON-protocol services (KMS among them) answer with
        /// for this failure. AWS reports an expired signature as an
        /// `InvalidSignatureException` and a bad session token as an
        /// `UnrecognizedClientException`.
        public var awsErrorType: String {
            switch self {
            case .missingAuthenticationToken: "MissingAuthenticationTokenException"
            case .incompleteSignature: "IncompleteSignatureException"
            case .unrecognizedClient: "UnrecognizedClientException"
            case .invalidSignature: "InvalidSignatureException"
            case .signatureExpired: "InvalidSignatureException"
            case .invalidSecurityToken: "UnrecognizedClientException"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.awsErrorType): \(message)" }
}

extension SigV4Error {
    static let invalidSignatureMessage =
        "The request signature we calculated does not match the signature you provided. "
        + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    static let invalidTokenMessage = "The security token included in the request is invalid."

    static func incomplete(_ message: String) -> SigV4Error {
        SigV4Error(code: .incompleteSignature, message: message)
    }

    static func invalidSignature(_ message: String = invalidSignatureMessage) -> SigV4Error {
        SigV4Error(code: .invalidSignature, message: message)
    }

    static var missingAuthenticationToken: SigV4Error {
        SigV4Error(code: .missingAuthenticationToken, message: "Missing Authentication Token")
    }

    static var unrecognizedClient: SigV4Error {
        SigV4Error(code: .unrecognizedClient, message: invalidTokenMessage)
    }

    static var invalidSecurityToken: SigV4Error {
        SigV4Error(code: .invalidSecurityToken, message: invalidTokenMessage)
    }

    /// Quotes client-supplied text for an error message, cut to a sane length.
    static func echo(_ text: some StringProtocol, limit: Int = 256) -> String {
        if text.utf8.count <= limit { return String(text) }
        return String(text.prefix(limit)) + "..."
    }
}
