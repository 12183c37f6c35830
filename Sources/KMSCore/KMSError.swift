/// The one error type that reaches the wire. Every failure a client can see is a `KMSError`;
/// the server maps it to `{"__type": code.rawValue, "message": message}` in one place. Its `cause` (the underlying
/// error, OpenSSL's reason, the SQL error, and where it was raised) goes to the log only. Two errors are equal when
/// their codes are.
public struct KMSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong underneath, for the operator's log: never sent to the client.
    public struct Cause: Sendable, CustomStringConvertible {
        public var detail: String
        public var file: String
        public var line: UInt

        public init(_ detail: String, file: String, line: UInt) {
            self.detail = detail
            self.file = file
            self.line = line
        }

        public var description: String { "\(detail) (\(file):\(line))" }
    }

    /// The AWS exception name. The raw value is the exact `__type` AWS sends.
    public enum Code: String, Sendable, CaseIterable {
        case accessDenied = "AccessDeniedException"
        case alreadyExists = "AlreadyExistsException"
        case conflict = "ConflictException"
        case customKeyStoreNotFound = "CustomKeyStoreNotFoundException"
        case dependencyTimeout = "DependencyTimeoutException"
        case disabled = "DisabledException"
        case dryRunOperation = "DryRunOperationException"
        case expiredImportToken = "ExpiredImportTokenException"
        case incompleteSignature = "IncompleteSignatureException"
        case incorrectKey = "IncorrectKeyException"
        case incorrectKeyMaterial = "IncorrectKeyMaterialException"
        case invalidAliasName = "InvalidAliasNameException"
        case invalidArn = "InvalidArnException"
        case invalidCiphertext = "InvalidCiphertextException"
        case invalidGrantID = "InvalidGrantIdException"
        case invalidGrantToken = "InvalidGrantTokenException"
        case invalidImportToken = "InvalidImportTokenException"
        case invalidKeyUsage = "InvalidKeyUsageException"
        case invalidMarker = "InvalidMarkerException"
        case invalidSignature = "InvalidSignatureException"
        case keyUnavailable = "KeyUnavailableException"
        case kmsInternal = "KMSInternalException"
        case kmsInvalidMac = "KMSInvalidMacException"
        case kmsInvalidSignature = "KMSInvalidSignatureException"
        case kmsInvalidState = "KMSInvalidStateException"
        case limitExceeded = "LimitExceededException"
        case malformedPolicyDocument = "MalformedPolicyDocumentException"
        case missingAuthenticationToken = "MissingAuthenticationTokenException"
        case notAuthorized = "NotAuthorizedException"
        case notFound = "NotFoundException"
        case serialization = "SerializationException"
        case tag = "TagException"
        case throttling = "ThrottlingException"
        case unknownOperation = "UnknownOperationException"
        case unrecognizedClient = "UnrecognizedClientException"
        case unsupportedOperation = "UnsupportedOperationException"
        case validation = "ValidationException"
    }

    public var code: Code
    /// AWS-like text for the wire. Never contains SQL, paths, key bytes or secrets.
    public var message: String
    /// The underlying failure, for the log.
    public var cause: Cause?

    public init(_ code: Code, _ message: String, cause: Cause? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public static func == (lhs: KMSError, rhs: KMSError) -> Bool { lhs.code == rhs.code }

    /// This error with `error` (described for the log) as its cause, unless it has one already.
    public func causedBy(_ error: any Error, file: String = #fileID, line: UInt = #line) -> KMSError {
        guard cause == nil else { return self }
        var copy = self
        copy.cause = Cause(String(describing: error), file: file, line: line)
        return copy
    }

    /// The `__type` sent on the wire.
    public var wireType: String { code.rawValue }

    /// True for the faults AWS marks as server faults (retryable, 5xx).
    public var isServerFault: Bool {
        switch code {
        case .kmsInternal, .keyUnavailable, .dependencyTimeout: return true
        default: return false
        }
    }

    /// The HTTP status AWS uses for this error (see docs/deviations.md: 400 for every client fault).
    public var httpStatus: Int {
        switch code {
        case .kmsInternal, .keyUnavailable: return 500
        case .dependencyTimeout: return 503
        default: return 400
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }

    // MARK: Factories for the common cases

    public static func notFound(_ message: String) -> KMSError { KMSError(.notFound, message) }
    public static func validation(_ message: String) -> KMSError { KMSError(.validation, message) }
    public static func invalidState(_ message: String) -> KMSError { KMSError(.kmsInvalidState, message) }
    public static func unsupported(_ message: String) -> KMSError { KMSError(.unsupportedOperation, message) }
    /// This error with `detail` as its cause, unless it has one already.
    public func causedBy(_ detail: String, file: String = #fileID, line: UInt = #line) -> KMSError {
        guard cause == nil else { return self }
        var copy = self
        copy.cause = Cause(detail, file: file, line: line)
        return copy
    }

    /// An internal failure. The detail goes to the log only, never to the wire.
    public static func internalFailure(_ detail: String, file: String = #fileID, line: UInt = #line) -> KMSError {
        KMSError(
            .kmsInternal, "The request processing has failed because of an unknown error, exception or failure.",
            cause: Cause(detail, file: file, line: line)
        )
    }

    /// An internal failure caused by `error`.
    public static func internalFailure(_ error: any Error, file: String = #fileID, line: UInt = #line) -> KMSError {
        internalFailure(String(describing: error), file: file, line: line)
    }
}
