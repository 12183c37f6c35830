import Foundation

/// What a successful verification established about the request.
public struct VerifiedSignature: Sendable, Equatable {
    /// The access key id that signed the request.
    public var accessKeyID: String
    /// The region from the credential scope.
    public var region: String
    /// The service from the credential scope.
    public var service: String
    /// The signing time (from X-Amz-Date, or Date).
    public var requestDate: Date

    public init(accessKeyID: String, region: String, service: String, requestDate: Date) {
        self.accessKeyID = accessKeyID
        self.region = region
        self.service = service
        self.requestDate = requestDate
    }
}
