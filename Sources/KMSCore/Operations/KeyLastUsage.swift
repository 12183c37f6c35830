import Crypto
import Foundation
import Synchronization
import SigV4

public struct GetKeyLastUsageResponse: Encodable, Sendable {
    struct LastUsage: Encodable, Sendable {
        var operation: OperationName
        var timestamp: Date
        var cloudTrailEventID: String
        var kmsRequestID: String
        enum CodingKeys: String, CodingKey {
            case operation = "Operation", timestamp = "Timestamp", cloudTrailEventID = "CloudTrailEventId", kmsRequestID = "KmsRequestId"
        }
    }

    var keyID: String
    var keyLastUsage: LastUsage?
    var trackingStartDate: Date
    var keyCreationDate: Date
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", keyLastUsage = "KeyLastUsage", trackingStartDate = "TrackingStartDate", keyCreationDate = "KeyCreationDate"
    }
}

extension KMSService {
    /// The meta entry holding when this store began tracking key usage (written by the first flush).
    static let trackingStartMetaName = "usage-tracking-start"

    /// Counts a successful cryptographic use of `key` by `caller`'s request.
    func recordUsage(_ key: KeyRecord, _ operation: OperationName, caller: Caller) {
        usage.record(
            KeyUsageRecord(
                scope: key.scope, keyID: key.id, operation: operation, timestamp: clock.now(), requestID: caller.requestID, eventID: ""
            )
        )
    }

    /// Writes pending usage to the store (the flush service calls this about once a second, and at shutdown).
    public func flushUsage() async throws(KMSError) -> Int {
        if !usage.trackingStartStored.withLock({ $0 }) {
            _ = try await store.insertMetaValueIfAbsent(Self.trackingStartMetaName, MetaNumber.encode(clock.now().timeIntervalSince1970))
            usage.trackingStartStored.withLock { $0 = true }
        }
        return try await usage.flush(to: store)
    }

    /// [GetKeyLastUsage](https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html): key ID or key ARN
    /// (no alias), in every key state. This node's pending usage is shown at once; other nodes' after their next flush.
    public func getKeyLastUsage(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> GetKeyLastUsageResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .getKeyLastUsage, allowAlias: false)
        // Memory first, then the store: a flush commits before it forgets its batch, so a use is in one or the other
        // whenever this runs (the other order could miss a batch committed between the two reads).
        let pending = usage.pendingUsage(of: key.id, in: key.scope)
        let stored = try await store.usage(of: key.id, in: key.scope)
        let latest = [stored, pending].compactMap { $0 }.max { $0.timestamp < $1.timestamp }
        let trackingStart = try await store.metaValue(Self.trackingStartMetaName).flatMap(MetaNumber.decode).map(Date.init(timeIntervalSince1970:))
        return GetKeyLastUsageResponse(
            keyID: key.id.rawValue,
            keyLastUsage: latest.map {
                .init(operation: $0.operation, timestamp: $0.timestamp, cloudTrailEventID: $0.eventID, kmsRequestID: $0.requestID)
            },
            trackingStartDate: max(key.creationDate, trackingStart ?? key.creationDate),
            keyCreationDate: key.creationDate
        )
    }
}
