import Foundation

public struct CreateAliasRequest: Decodable, Sendable {
    var aliasName: String
    var targetKeyID: String
    enum CodingKeys: String, CodingKey { case aliasName = "AliasName", targetKeyID = "TargetKeyId" }
}

public struct DeleteAliasRequest: Decodable, Sendable {
    var aliasName: String
    enum CodingKeys: String, CodingKey { case aliasName = "AliasName" }
}

public struct ListAliasesRequest: Decodable, Sendable {
    var keyID: String?
    var limit: Int?
    var marker: String?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", limit = "Limit", marker = "Marker" }
}

public struct ListAliasesResponse: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        var aliasName: String
        var aliasARN: String
        var targetKeyID: String
        var creationDate: Date
        var lastUpdatedDate: Date
        enum CodingKeys: String, CodingKey {
            case aliasName = "AliasName", aliasARN = "AliasArn", targetKeyID = "TargetKeyId"
            case creationDate = "CreationDate", lastUpdatedDate = "LastUpdatedDate"
        }
    }

    var aliases: [Entry]
    var nextMarker: String?
    var truncated: Bool
    enum CodingKeys: String, CodingKey { case aliases = "Aliases", nextMarker = "NextMarker", truncated = "Truncated" }
}

extension KMSService {
    static let maximumAliasesPerKey = 50

    /// Parses a customer alias name: the `alias/` prefix is required and `alias/aws/` is reserved.
    static func customerAliasName(_ text: String) throws(KMSError) -> AliasName {
        let name = try AliasName(validating: text)
        if name.isReserved {
            // AWS's answer as moto and local-kms recorded it: NotAuthorizedException with no message (docs/deviations.md).
            throw KMSError(.notAuthorized, "")
        }
        // ':' passes the model's pattern but KMS refuses it (moto's recording, test__create_alias__raises_if_alias_has_restricted_characters_semicolon).
        if name.rawValue.contains(":") {
            throw KMSError.validation("\(name.rawValue) contains invalid characters for an alias")
        }
        return name
    }

    /// An alias must name a key: an alias name or alias ARN as TargetKeyId is ValidationException (the answer recorded
    /// against AWS in moto's tests, `test__create_alias__raises_if_target_key_id_is_existing_alias`).
    static func requireKeyTarget(_ text: String) throws(KMSError) {
        switch try? KeyIdentifier(parsing: text) {
        case .aliasName, .aliasARN: throw KMSError.validation("Aliases must refer to keys. Not aliases")
        default: return
        }
    }

    /// [CreateAlias](https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html)
    public func createAlias(_ request: CreateAliasRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let name = try Self.customerAliasName(request.aliasName)
        try Self.requireKeyTarget(request.targetKeyID)
        let (key, _) = try await locateKey(request.targetKeyID, caller: caller, operation: .createAlias, allowAlias: false)
        try authorize(action: "kms:CreateAlias", resource: caller.scope.aliasARN(name), caller: caller)
        try await authorize(key: key, action: "kms:CreateAlias", caller: caller, facts: RequestFacts())
        try KeyStateRules.check(.createAlias, key)
        let now = clock.now()
        try await store.insertAlias(
            AliasRecord(name: name, scope: caller.scope, targetKeyID: key.id, creationDate: now, lastUpdatedDate: now),
            limit: Self.maximumAliasesPerKey
        )
        return EmptyResponse()
    }

    /// [UpdateAlias](https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateAlias.html): the new key must be
    /// of the same type and key usage as the current one.
    public func updateAlias(_ request: CreateAliasRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let name = try Self.customerAliasName(request.aliasName)
        guard let alias = try await store.alias(name, in: caller.scope) else {
            throw KMSError.notFound("Alias \(caller.scope.aliasARN(name)) is not found.")
        }
        try Self.requireKeyTarget(request.targetKeyID)
        let (target, _) = try await locateKey(request.targetKeyID, caller: caller, operation: .updateAlias, allowAlias: false)
        try authorize(action: "kms:UpdateAlias", resource: caller.scope.aliasARN(name), caller: caller)
        let current = try await store.key(alias.targetKeyID, in: caller.scope)
        if let current { try await authorize(key: current, action: "kms:UpdateAlias", caller: caller, facts: RequestFacts()) }
        try await authorize(key: target, action: "kms:UpdateAlias", caller: caller, facts: RequestFacts())
        try KeyStateRules.check(.updateAlias, target)
        if let current,
            KeySpecRules.family(current.keySpec) != KeySpecRules.family(target.keySpec) || current.keyUsage != target.keyUsage
        {
            throw KMSError.validation(
                "\(target.arn) is not compatible with the key currently associated with \(caller.scope.aliasARN(name)): the key type and key usage must be the same."
            )
        }
        try await store.retargetAlias(name, in: caller.scope, to: target.id, at: clock.now())
        return EmptyResponse()
    }

    /// [DeleteAlias](https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html)
    public func deleteAlias(_ request: DeleteAliasRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let name = try AliasName(validating: request.aliasName)
        guard let alias = try await store.alias(name, in: caller.scope) else {
            throw KMSError.notFound("Alias \(caller.scope.aliasARN(name)) is not found.")
        }
        try authorize(action: "kms:DeleteAlias", resource: caller.scope.aliasARN(name), caller: caller)
        if let key = try await store.key(alias.targetKeyID, in: caller.scope) {
            try await authorize(key: key, action: "kms:DeleteAlias", caller: caller, facts: RequestFacts())
        }
        guard try await store.deleteAlias(name, in: caller.scope) else {
            throw KMSError.notFound("Alias \(caller.scope.aliasARN(name)) is not found.")
        }
        return EmptyResponse()
    }

    /// [ListAliases](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html), in name order.
    public func listAliases(_ request: ListAliasesRequest, caller: Caller) async throws(KMSError) -> ListAliasesResponse {
        try authorize(action: "kms:ListAliases", caller: caller)
        let limit = Pagination.limit(request.limit, default: 50, max: 100)
        var keyID: KeyID?
        if let text = request.keyID {
            keyID = try await locateKey(text, caller: caller, operation: .listAliases, allowAlias: false).0.id
        }
        var after: AliasName?
        if let marker = request.marker {
            guard let name = AliasName(marker) else { throw KMSError(.invalidMarker, "Invalid marker '\(marker)'") }
            after = name
        }
        let page = try await store.aliases(in: caller.scope, targetKeyID: keyID, after: after, limit: limit + 1)
        let visible = page.prefix(limit)
        let truncated = page.count > limit
        return ListAliasesResponse(
            aliases: visible.map {
                .init(
                    aliasName: $0.name.rawValue, aliasARN: caller.scope.aliasARN($0.name), targetKeyID: $0.targetKeyID.rawValue,
                    creationDate: $0.creationDate, lastUpdatedDate: $0.lastUpdatedDate
                )
            },
            nextMarker: truncated ? visible.last?.name.rawValue : nil,
            truncated: truncated
        )
    }
}
