/// The outcome of an authorization, with the policy type AWS names in a denial and, on request, an explanation.
public struct Decision: Sendable, Equatable {
    public enum Effect: String, Sendable {
        case allow, explicitDeny, implicitDeny
    }

    public enum PolicyType: String, Sendable {
        case resourceBased = "resource-based policy"
        case identityBased = "identity-based policy"
    }

    public var effect: Effect
    /// For denials: the policy type AWS's message names.
    public var policyType: PolicyType?
    /// For allows: what allowed (e.g. `key policy statement 1 (Sid "x")`, `grant <id>`).
    public var allowedBy: String?
    /// Filled when evaluated with `explain: true`: each statement and grant considered and why it did or did not apply.
    public var explanation: [String]

    public var isAllowed: Bool { effect == .allow }

    /// AWS's AccessDeniedException text (spec §1.9).
    public func message(principal: PrincipalARN, action: String, resource: String) -> String {
        let type = policyType ?? .identityBased
        let on = resource.isEmpty ? "" : " on resource: \(resource)"
        switch effect {
        case .allow:
            return ""
        case .explicitDeny:
            let article = type == .identityBased ? "an" : "a"
            return "User: \(principal.arn) is not authorized to perform: \(action)\(on) with an explicit deny in \(article) \(type.rawValue)"
        case .implicitDeny:
            return "User: \(principal.arn) is not authorized to perform: \(action)\(on) because no \(type.rawValue) allows the \(action) action"
        }
    }
}
