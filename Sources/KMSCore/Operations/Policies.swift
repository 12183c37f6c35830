import Foundation

public struct GetKeyPolicyRequest: Decodable, Sendable {
    var keyID: String
    var policyName: String?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", policyName = "PolicyName" }
}

public struct GetKeyPolicyResponse: Encodable, Sendable {
    var policy: String
    var policyName: String
    enum CodingKeys: String, CodingKey { case policy = "Policy", policyName = "PolicyName" }
}

public struct PutKeyPolicyRequest: Decodable, Sendable {
    var keyID: String
    var policyName: String?
    var policy: String
    var bypassPolicyLockoutSafetyCheck: Bool?
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", policyName = "PolicyName", policy = "Policy", bypassPolicyLockoutSafetyCheck = "BypassPolicyLockoutSafetyCheck"
    }
}

public struct ListKeyPoliciesRequest: Decodable, Sendable {
    var keyID: String
    var limit: Int?
    var marker: String?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", limit = "Limit", marker = "Marker" }
}

public struct ListKeyPoliciesResponse: Encodable, Sendable {
    var policyNames: [String]
    var truncated: Bool
    enum CodingKeys: String, CodingKey { case policyNames = "PolicyNames", truncated = "Truncated" }
}

/// Key policy rules: stored and returned; evaluation is a later milestone (docs/deviations.md).
enum PolicyRules {
    static let maximumBytes = 32_768

    /// The default key policy of spec §11, byte for byte.
    static func defaultPolicy(for scope: Scope) -> String {
        """
        {
          "Version" : "2012-10-17",
          "Id" : "key-default-1",
          "Statement" : [ {
            "Sid" : "Enable IAM User Permissions",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "\(scope.accountRootARN)"
            },
            "Action" : "kms:*",
            "Resource" : "*"
          } ]
        }
        """
    }

    /// - Throws: `LimitExceededException` over 32 KB, `MalformedPolicyDocumentException` unless a JSON object.
    static func validate(_ policy: String) throws(KMSError) {
        if policy.utf8.count > maximumBytes {
            throw KMSError(.limitExceeded, "The key policy exceeds the maximum size of \(maximumBytes) bytes.")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(policy.utf8)), object is [String: Any] else {
            throw KMSError(.malformedPolicyDocument, "The key policy is not a valid JSON document.")
        }
    }

    static func checkName(_ name: String?) throws(KMSError) {
        if let name, name != "default" {
            throw KMSError.notFound("No such policy exists: \(name). The only valid policy name is 'default'.")
        }
    }
}

extension KMSService {
    /// [GetKeyPolicy](https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html)
    public func getKeyPolicy(_ request: GetKeyPolicyRequest, caller: Caller) async throws(KMSError) -> GetKeyPolicyResponse {
        let key = try await resolveKey(request.keyID, caller: caller, allowAlias: false)
        try PolicyRules.checkName(request.policyName)
        return GetKeyPolicyResponse(policy: key.policy, policyName: "default")
    }

    /// [PutKeyPolicy](https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html)
    public func putKeyPolicy(_ request: PutKeyPolicyRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        let key = try await resolveKey(request.keyID, caller: caller, allowAlias: false)
        try PolicyRules.checkName(request.policyName)
        try PolicyRules.validate(request.policy)
        let policy = request.policy
        _ = try await updateKey(key, for: .putKeyPolicy) { (record: inout KeyRecord) throws(KMSError) in record.policy = policy }
        return EmptyResponse()
    }

    /// [ListKeyPolicies](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyPolicies.html): always `["default"]`.
    public func listKeyPolicies(_ request: ListKeyPoliciesRequest, caller: Caller) async throws(KMSError) -> ListKeyPoliciesResponse {
        _ = try await resolveKey(request.keyID, caller: caller, allowAlias: false)
        if let marker = request.marker { throw KMSError(.invalidMarker, "Invalid marker '\(marker)'") }
        return ListKeyPoliciesResponse(policyNames: ["default"], truncated: false)
    }
}
