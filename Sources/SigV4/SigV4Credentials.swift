/// An access key as the server knows it: the id, its secret and, for
/// temporary credentials, the session token the client must present.
///
/// `description`, `debugDescription` and the reflection mirror redact the
/// secret and the session token so that credentials never end up in logs.
public struct SigV4Credentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The session token, or nil when it is absent or empty.
    var effectiveSessionToken: String? {
        guard let sessionToken, !sessionToken.isEmpty else { return nil }
        return sessionToken
    }
}

extension SigV4Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let token = sessionToken == nil ? "nil" : "<redacted>"
        return "SigV4Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, sessionToken: \(token))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": accessKeyID,
                "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>",
            ]
        )
    }
}
