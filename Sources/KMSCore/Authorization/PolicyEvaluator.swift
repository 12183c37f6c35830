/// AWS KMS's authorization decision (spec §1.1), pure: no store, no HTTP, no clock (time comes in the context).
///
/// 1. An explicit Deny in the key policy, then in the caller's identity policies, denies.
/// 2. Allow when the key policy allows the caller directly, or delegates to the caller's account and an identity
///    policy allows too (the account root has an implicit identity allow), or a grant allows. Cross-account, the key
///    policy alone never suffices: an identity allow is also needed (or a grant).
/// 3. Otherwise an implicit deny, naming the identity-based policy when the key policy allowed or delegated, the
///    resource-based policy when it did not.
/// Without a key policy (IAM-only actions and alias resources) identity policies alone decide.
public struct PolicyEvaluator: Sendable {
    public var action: String
    public var resource: String
    /// The account owning the resource; nil for IAM-only actions (`resource` is then `*`).
    public var resourceAccount: String?
    public var keyPolicy: PolicyDocument?
    public var identityPolicies: [PolicyDocument]
    public var context: AuthorizationContext

    public init(
        action: String, resource: String, resourceAccount: String?, keyPolicy: PolicyDocument?, identityPolicies: [PolicyDocument],
        context: AuthorizationContext
    ) {
        self.action = action
        self.resource = resource
        self.resourceAccount = resourceAccount
        self.keyPolicy = keyPolicy
        self.identityPolicies = identityPolicies
        self.context = context
    }

    private var lowercasedAction: String { action.lowercased() }

    /// The decision from policies and grants. Grants are consulted only when policies neither deny nor allow.
    public func evaluate(grants: [GrantRecord] = [], childGrant: ChildGrant? = nil, explain: Bool = false) -> Decision {
        let decision = evaluatePolicies(explain: explain)
        guard decision.effect == .implicitDeny, !grants.isEmpty else { return decision }
        return applyGrants(grants, to: decision, childGrant: childGrant, explain: explain)
    }

    /// Policies only (steps 1–3 without grants).
    public func evaluatePolicies(explain: Bool = false) -> Decision {
        let notes: NotesSink? = explain ? NotesSink() : nil
        let action = lowercasedAction
        let principal = context.principal

        // 1. Explicit deny: key policy first, then identity policies.
        if let keyPolicy {
            for statement in keyPolicy.statements where statement.effect == .deny {
                if keyStatementApplies(statement, action: action, notes: notes) != nil {
                    if explain { notes?.append("key policy \(statement.label): Deny applies") }
                    return Decision(effect: .explicitDeny, policyType: .resourceBased, explanation: notes?.lines ?? [])
                }
            }
        }
        for (number, policy) in identityPolicies.enumerated() {
            for statement in policy.statements where statement.effect == .deny {
                if identityStatementApplies(statement, action: action, policy: number, notes: notes) {
                    if explain { notes?.append("identity policy \(number + 1) \(statement.label): Deny applies") }
                    return Decision(effect: .explicitDeny, policyType: .identityBased, explanation: notes?.lines ?? [])
                }
            }
        }

        // 2. Allows.
        var identityAllow: String? = principal.isRoot ? "the account root's implicit identity permissions" : nil
        if identityAllow == nil {
            outer: for (number, policy) in identityPolicies.enumerated() {
                for statement in policy.statements where statement.effect == .allow {
                    if identityStatementApplies(statement, action: action, policy: number, notes: notes) {
                        identityAllow = "identity policy \(number + 1) \(statement.label)"
                        break outer
                    }
                }
            }
        } else {
            notes?.append("the caller is the account root: identity policies allow implicitly")
        }

        guard let keyPolicy else {
            if let identityAllow { return Decision(effect: .allow, allowedBy: identityAllow, explanation: notes?.lines ?? []) }
            if explain { notes?.append("no identity policy allows \(self.action) on \(resource)") }
            return Decision(effect: .implicitDeny, policyType: .identityBased, explanation: notes?.lines ?? [])
        }

        var direct: String?
        var delegate: String?
        for statement in keyPolicy.statements where statement.effect == .allow {
            guard let match = keyStatementApplies(statement, action: action, notes: notes) else { continue }
            switch match {
            case .direct: if direct == nil { direct = "key policy \(statement.label)" }
            case .account: if delegate == nil { delegate = "key policy \(statement.label) (delegation to account \(principal.accountID))" }
            }
        }
        let sameAccount = resourceAccount == nil || resourceAccount == principal.accountID
        if sameAccount {
            if let direct { return Decision(effect: .allow, allowedBy: direct, explanation: notes?.lines ?? []) }
            if let delegate, let identityAllow {
                return Decision(effect: .allow, allowedBy: "\(delegate) + \(identityAllow)", explanation: notes?.lines ?? [])
            }
        } else if let keyAllow = direct ?? delegate {
            if let identityAllow { return Decision(effect: .allow, allowedBy: "\(keyAllow) + \(identityAllow)", explanation: notes?.lines ?? []) }
            if explain { notes?.append("cross-account: the key policy allows, but no identity policy of account \(principal.accountID) does") }
        }
        if explain {
            if direct == nil && delegate == nil {
                notes?.append("no key policy statement allows \(self.action) for \(principal.arn) or delegates to account \(principal.accountID)")
            } else if identityAllow == nil {
                notes?.append("the key policy delegates to account \(principal.accountID), but no identity policy allows \(self.action) on \(resource)")
            }
        }
        // 3. Implicit deny.
        let type: Decision.PolicyType = (direct != nil || delegate != nil) ? .identityBased : .resourceBased
        return Decision(effect: .implicitDeny, policyType: type, explanation: notes?.lines ?? [])
    }

    /// Grants can turn an implicit deny into an allow; never an explicit deny.
    func applyGrants(_ grants: [GrantRecord], to decision: Decision, childGrant: ChildGrant?, explain: Bool) -> Decision {
        var notes = decision.explanation
        let operation = action.hasPrefix("kms:") ? String(action.dropFirst(4)) : action
        for grant in grants {
            guard grant.isGrantee(context.principal) else {
                if explain { notes.append("grant \(grant.grantID): grantee \(grant.granteePrincipal) is not the caller") }
                continue
            }
            guard grant.operations.contains(operation) else {
                if explain { notes.append("grant \(grant.grantID): does not include \(operation)") }
                continue
            }
            if let childGrant {
                // A grant-derived CreateGrant: the child may only narrow the parent.
                guard Set(childGrant.operations).isSubset(of: Set(grant.operations)),
                    grant.constraints?.isAtLeastAsStrict(childGrant.constraints) ?? true
                else {
                    if explain { notes.append("grant \(grant.grantID): the new grant is broader than this grant") }
                    continue
                }
            } else if !grant.permits(operation, context: context.encryptionContext) {
                if explain { notes.append("grant \(grant.grantID): the encryption context does not satisfy its constraint") }
                continue
            }
            return Decision(effect: .allow, allowedBy: "grant \(grant.grantID)", explanation: notes)
        }
        return Decision(effect: decision.effect, policyType: decision.policyType, explanation: notes)
    }

    enum PrincipalMatch { case direct, account }

    /// Whether a key policy statement applies to this request; nil if not, else how its principal matched.
    private func keyStatementApplies(_ statement: PolicyDocument.Statement, action: String, notes: NotesSink?) -> PrincipalMatch? {
        guard let principals = statement.principals else { return nil }
        let principal = context.principal
        var match: PrincipalMatch?
        if statement.notPrincipal {
            let excluded = principals.everyone || principals.principals.contains { $0.covers(principal, accountCovers: false) }
                || (principal.isRoot && principals.accounts.contains(principal.accountID))
            match = excluded ? nil : .direct
        } else if principals.everyone || principals.principals.contains(where: { $0.covers(principal, accountCovers: false) }) {
            match = .direct
        } else if principals.accounts.contains(principal.accountID) {
            // Delegation to the caller's account (a Deny naming the account applies to all of its principals).
            match = .account
        }
        guard let match else {
            notes?.append("key policy \(statement.label): principal does not match \(principal.arn)")
            return nil
        }
        guard actionMatches(statement, action) else {
            notes?.append("key policy \(statement.label): action does not match \(self.action)")
            return nil
        }
        guard let resources = statement.resources else {
            notes?.append("key policy \(statement.label): no Resource, never matches")
            return nil
        }
        let resourceMatches = resources.contains { $0.matches(resource) }
        guard resourceMatches != statement.notResource else {
            notes?.append("key policy \(statement.label): resource does not match \(resource)")
            return nil
        }
        if let failed = statement.conditions.first(where: { !$0.evaluate(context) }) {
            notes?.append("key policy \(statement.label): condition \(failed.op.name) \(failed.key) is not satisfied")
            return nil
        }
        return match
    }

    private func identityStatementApplies(_ statement: PolicyDocument.Statement, action: String, policy: Int, notes: NotesSink?) -> Bool {
        guard actionMatches(statement, action) else {
            notes?.append("identity policy \(policy + 1) \(statement.label): action does not match \(self.action)")
            return false
        }
        guard let resources = statement.resources else { return false }
        let resourceMatches = resources.contains { pattern in
            if pattern.hasVariables {
                guard let resolved = PolicyVariables.substitute(pattern.text, context) else { return false }
                return Wildcard.match(resolved, resource)
            }
            return pattern.matches(resource)
        }
        guard resourceMatches != statement.notResource else {
            notes?.append("identity policy \(policy + 1) \(statement.label): resource does not match \(resource)")
            return false
        }
        if let failed = statement.conditions.first(where: { !$0.evaluate(context) }) {
            notes?.append("identity policy \(policy + 1) \(statement.label): condition \(failed.op.name) \(failed.key) is not satisfied")
            return false
        }
        return true
    }

    private func actionMatches(_ statement: PolicyDocument.Statement, _ action: String) -> Bool {
        guard let actions = statement.actions else { return false }
        let matches = actions.contains { $0.matches(action) }
        return matches != statement.notAction
    }
}

/// Collects explanation lines only when asked (`explain`), so the common path allocates nothing.
final class NotesSink {
    var lines: [String] = []
    func append(_ line: String) { lines.append(line) }
}
