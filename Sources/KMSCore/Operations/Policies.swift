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

    /// The policy lockout safety check: unless bypassed, the new policy must still allow the caller
    /// (its account root, its principal or everyone) to call PutKeyPolicy, and no unconditional Deny may forbid it.
    /// Conditions are not evaluated: a conditional Allow counts, a conditional Deny does not.
    static func checkLockout(_ policy: String, caller: Caller, bypass: Bool?) throws(KMSError) {
        if bypass == true { return }
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(policy.utf8)) as? [String: Any]
        else { return }
        let statements: [[String: Any]]
        if let list = object["Statement"] as? [[String: Any]] {
            statements = list
        } else if let single = object["Statement"] as? [String: Any] {
            statements = [single]
        } else {
            statements = []
        }
        var allowed = false
        for statement in statements {
            guard principalMatches(statement["Principal"], caller: caller), actionMatches(statement["Action"], "kms:PutKeyPolicy") else {
                continue
            }
            switch statement["Effect"] as? String {
            case "Allow": allowed = true
            case "Deny" where statement["Condition"] == nil:
                throw lockout
            default: break
            }
        }
        if !allowed { throw lockout }
    }

    static let lockout = KMSError(
        .malformedPolicyDocument,
        "The new key policy will not allow you to update the key policy in the future."
    )

    static func principalMatches(_ principal: Any?, caller: Caller) -> Bool {
        let accepted: Set<String> = ["*", caller.scope.accountRootARN, caller.scope.accountID, caller.principal]
        func matches(_ value: Any?) -> Bool {
            if let text = value as? String { return accepted.contains(text) }
            if let list = value as? [Any] { return list.contains { matches($0) } }
            return false
        }
        if let text = principal as? String { return text == "*" }
        guard let map = principal as? [String: Any] else { return false }
        return matches(map["AWS"])
    }

    static func actionMatches(_ action: Any?, _ wanted: String) -> Bool {
        if let text = action as? String { return glob(text.lowercased(), wanted.lowercased()) }
        if let list = action as? [Any] { return list.contains { actionMatches($0, wanted) } }
        return false
    }

    /// IAM-style wildcard match (`*` any run, `?` one character).
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
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
        try PolicyRules.checkLockout(request.policy, caller: caller, bypass: request.bypassPolicyLockoutSafetyCheck)
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
