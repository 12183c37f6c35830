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

/// Key policy rules: size, validation, the default policy, the policy name.
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

    /// Validates a key policy as AWS does (spec §1.2) and returns it parsed.
    /// - Throws: `LimitExceededException` over 32 KB, `MalformedPolicyDocumentException` for the rest.
    static func validate(_ policy: String) throws(KMSError) -> PolicyDocument {
        if policy.utf8.count > maximumBytes {
            throw KMSError(.limitExceeded, "The key policy exceeds the maximum size of \(maximumBytes) bytes.")
        }
        return try PolicyDocument(parsing: policy, kind: .key)
    }

    static let lockout = KMSError(
        .malformedPolicyDocument,
        "The new key policy will not allow you to update the key policy in the future."
    )

    static func checkName(_ name: String?) throws(KMSError) {
        if let name, name != "default" {
            throw KMSError.notFound("No such policy exists: \(name). The only valid policy name is 'default'.")
        }
    }
}

extension KMSService {
    /// The policy lockout safety check (spec §1.2): unless bypassed, the new policy must still let the caller call
    /// PutKeyPolicy, decided by the real evaluator (new key policy plus the caller's identity policies).
    func checkLockout(_ policy: PolicyDocument, keyARN: String, keyAccount: String, caller: Caller, bypass: Bool?) throws(KMSError) {
        if bypass == true || authorization == .off { return }
        var context = authorizationContext(caller, facts: RequestFacts())
        context.values = [:]
        let decision = PolicyEvaluator(
            action: "kms:PutKeyPolicy", resource: keyARN, resourceAccount: keyAccount, keyPolicy: policy,
            identityPolicies: caller.identityPolicies, context: context
        ).evaluatePolicies()
        if !decision.isAllowed { throw PolicyRules.lockout }
    }

    /// [GetKeyPolicy](https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html)
    public func getKeyPolicy(_ request: GetKeyPolicyRequest, caller: Caller) async throws(KMSError) -> GetKeyPolicyResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .getKeyPolicy, allowAlias: false)
        try PolicyRules.checkName(request.policyName)
        return GetKeyPolicyResponse(policy: key.policy, policyName: "default")
    }

    /// [PutKeyPolicy](https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html)
    public func putKeyPolicy(_ request: PutKeyPolicyRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        var facts = RequestFacts()
        facts.set("kms:BypassPolicyLockoutSafetyCheck", request.bypassPolicyLockoutSafetyCheck)
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .putKeyPolicy, allowAlias: false, facts: facts)
        try PolicyRules.checkName(request.policyName)
        let document = try PolicyRules.validate(request.policy)
        try checkLockout(document, keyARN: key.arn, keyAccount: key.scope.accountID, caller: caller, bypass: request.bypassPolicyLockoutSafetyCheck)
        let policy = request.policy
        _ = try await updateKey(key, for: .putKeyPolicy) { (record: inout KeyRecord) throws(KMSError) in record.policy = policy }
        return EmptyResponse()
    }

    /// [ListKeyPolicies](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyPolicies.html): always `["default"]`.
    public func listKeyPolicies(_ request: ListKeyPoliciesRequest, caller: Caller) async throws(KMSError) -> ListKeyPoliciesResponse {
        _ = try await authorizedKey(request.keyID, caller: caller, operation: .listKeyPolicies, allowAlias: false)
        if let marker = request.marker { throw KMSError(.invalidMarker, "Invalid marker '\(marker)'") }
        return ListKeyPoliciesResponse(policyNames: ["default"], truncated: false)
    }
}
