import Foundation

/// A request whose only member is `KeyId` (DescribeKey, EnableKey, DisableKey, CancelKeyDeletion, ...).
/// `Encodable` too, for clients (`coffer byok import`).
public struct KeyIDRequest: Codable, Sendable {
    var keyID: String
    enum CodingKeys: String, CodingKey { case keyID = "KeyId" }

    public init(keyID: String) { self.keyID = keyID }
}

/// `Decodable` too, for clients (`coffer byok import`).
public struct DescribeKeyResponse: Codable, Sendable {
    public internal(set) var keyMetadata: KeyMetadata
    enum CodingKeys: String, CodingKey { case keyMetadata = "KeyMetadata" }
}

public struct ListKeysRequest: Decodable, Sendable {
    var limit: Int?
    var marker: String?
    enum CodingKeys: String, CodingKey { case limit = "Limit", marker = "Marker" }
}

public struct ListKeysResponse: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        var keyID: String
        var keyARN: String
        enum CodingKeys: String, CodingKey { case keyID = "KeyId", keyARN = "KeyArn" }
    }

    var keys: [Entry]
    var nextMarker: String?
    var truncated: Bool
    enum CodingKeys: String, CodingKey { case keys = "Keys", nextMarker = "NextMarker", truncated = "Truncated" }
}

public struct ScheduleKeyDeletionRequest: Decodable, Sendable {
    var keyID: String
    var pendingWindowInDays: Int?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", pendingWindowInDays = "PendingWindowInDays" }
}

public struct ScheduleKeyDeletionResponse: Encodable, Sendable {
    var keyID: String
    /// Absent while a primary waits for its replicas' deletion (PendingReplicaDeletion).
    var deletionDate: Date?
    var keyState: KeyState
    var pendingWindowInDays: Int
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", deletionDate = "DeletionDate", keyState = "KeyState", pendingWindowInDays = "PendingWindowInDays"
    }
}

public struct CancelKeyDeletionResponse: Encodable, Sendable {
    var keyID: String
    enum CodingKeys: String, CodingKey { case keyID = "KeyId" }
}

public struct UpdateKeyDescriptionRequest: Decodable, Sendable {
    var keyID: String
    var description: String
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", description = "Description" }
}

extension KMSService {
    /// [DescribeKey](https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html): any key state, any identifier form.
    public func describeKey(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> DescribeKeyResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .describeKey, allowAlias: true)
        return DescribeKeyResponse(keyMetadata: try await metadata(key))
    }

    /// [ListKeys](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html), in key-ID order.
    public func listKeys(_ request: ListKeysRequest, caller: Caller) async throws(KMSError) -> ListKeysResponse {
        try authorize(action: "kms:ListKeys", caller: caller)
        let limit = Pagination.limit(request.limit, default: 100, max: 1000)
        var after: KeyID?
        if let marker = request.marker {
            guard let id = KeyID(marker) else { throw KMSError(.invalidMarker, "Invalid marker '\(marker)'") }
            after = id
        }
        let now = clock.now()
        let page = try await store.keys(in: caller.scope, after: after, limit: limit + 1)
        let visible = page.prefix(limit)
        let truncated = page.count > limit
        return ListKeysResponse(
            keys: visible.filter { ($0.deletionDate ?? .distantFuture) > now }
                .map { .init(keyID: $0.id.rawValue, keyARN: $0.arn) },
            nextMarker: truncated ? visible.last?.id.rawValue : nil,
            truncated: truncated
        )
    }

    /// [EnableKey](https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKey.html)
    public func enableKey(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .enableKey, allowAlias: false)
        _ = try await updateKey(key, for: .enableKey) { (record: inout KeyRecord) throws(KMSError) in record.enabled = true }
        return EmptyResponse()
    }

    /// [DisableKey](https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html)
    public func disableKey(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .disableKey, allowAlias: false)
        _ = try await updateKey(key, for: .disableKey) { (record: inout KeyRecord) throws(KMSError) in record.enabled = false }
        return EmptyResponse()
    }

    /// [ScheduleKeyDeletion](https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html): 7–30 days, default 30.
    public func scheduleKeyDeletion(_ request: ScheduleKeyDeletionRequest, caller: Caller) async throws(KMSError) -> ScheduleKeyDeletionResponse {
        let days = request.pendingWindowInDays ?? 30
        var facts = RequestFacts()
        facts.set("kms:ScheduleKeyDeletionPendingWindowInDays", request.pendingWindowInDays)
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .scheduleKeyDeletion, allowAlias: false, facts: facts)
        guard (7...30).contains(days) else {
            let bound = days < 7 ? "greater than or equal to 7" : "less than or equal to 30"
            throw KMSError.validation(
                "1 validation error detected: Value '\(days)' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value \(bound)"
            )
        }
        let deletionDate = clock.now().addingTimeInterval(TimeInterval(days) * 86_400)
        // A multi-Region primary with replicas waits in PendingReplicaDeletion until its last replica is deleted.
        let hasReplicas = key.multiRegion && !key.isReplica ? try await store.relatedKeys(key.id, accountID: key.scope.accountID).count > 1 : false
        let updated = try await updateKey(key, for: .scheduleKeyDeletion) { (record: inout KeyRecord) throws(KMSError) in
            if hasReplicas {
                record.awaitingReplicaDeletion = true
            } else {
                record.deletionDate = deletionDate
            }
            record.pendingWindowInDays = days
        }
        return ScheduleKeyDeletionResponse(
            keyID: updated.arn, deletionDate: updated.deletionDate, keyState: updated.state, pendingWindowInDays: days
        )
    }

    /// [CancelKeyDeletion](https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html): the key returns Disabled.
    public func cancelKeyDeletion(_ request: KeyIDRequest, caller: Caller) async throws(KMSError) -> CancelKeyDeletionResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .cancelKeyDeletion, allowAlias: false)
        let updated = try await updateKey(key, for: .cancelKeyDeletion) { (record: inout KeyRecord) throws(KMSError) in
            record.deletionDate = nil
            record.awaitingReplicaDeletion = nil
            record.pendingWindowInDays = nil
            record.enabled = false
        }
        return CancelKeyDeletionResponse(keyID: updated.arn)
    }

    /// [UpdateKeyDescription](https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html)
    public func updateKeyDescription(_ request: UpdateKeyDescriptionRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .updateKeyDescription, allowAlias: false)
        let description = request.description
        _ = try await updateKey(key, for: .updateKeyDescription) { (record: inout KeyRecord) throws(KMSError) in
            record.description = description
        }
        return EmptyResponse()
    }
}
