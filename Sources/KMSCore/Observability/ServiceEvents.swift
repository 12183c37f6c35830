import Foundation

/// Something Coffer did by itself, not at a client's request: CloudTrail's `AwsServiceEvent`s.
public struct ServiceEvent: Sendable, Equatable {
    public enum Name: String, Sendable {
        /// Automatic rotation of a key's material.
        case rotateKey = "RotateKey"
        /// A key's scheduled deletion completed.
        case deleteKey = "DeleteKey"
        /// Imported key material reached its ValidTo and was deleted.
        case deleteExpiredKeyMaterial = "DeleteExpiredKeyMaterial"
        /// A multi-Region replica was brought in line with its primary.
        case synchronizeMultiRegionKey = "SynchronizeMultiRegionKey"
    }

    public var name: Name
    public var time: Date
    public var scope: Scope
    public var keyID: KeyID

    public init(name: Name, time: Date, scope: Scope, keyID: KeyID) {
        self.name = name
        self.time = time
        self.scope = scope
        self.keyID = keyID
    }

    public var keyARN: String { scope.keyARN(keyID) }
}

/// Where the service reports its background events (the audit log); injected like the clock.
public protocol ServiceEventSink: Sendable {
    func record(_ event: ServiceEvent)
}

/// Drops every event: the default when no audit log is configured.
public struct DiscardingServiceEventSink: ServiceEventSink {
    public init() {}
    public func record(_ event: ServiceEvent) {}
}
