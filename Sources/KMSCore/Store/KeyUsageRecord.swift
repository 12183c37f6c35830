import Foundation

/// The last successful cryptographic use of a key (GetKeyLastUsage), as recorded.
public struct KeyUsageRecord: Sendable, Hashable {
    public var scope: Scope
    public var keyID: KeyID
    public var operation: OperationName
    public var timestamp: Date
    public var requestID: String
    public var eventID: String

    public init(scope: Scope, keyID: KeyID, operation: OperationName, timestamp: Date, requestID: String, eventID: String) {
        self.scope = scope
        self.keyID = keyID
        self.operation = operation
        self.timestamp = timestamp
        self.requestID = requestID
        self.eventID = eventID
    }
}
