import Foundation

/// A parsed key policy or IAM identity policy. Parsing validates the document as AWS does (spec §1.2); evaluation
/// (`PolicyEvaluator`) only ever sees parsed documents.
public struct PolicyDocument: Sendable, Hashable {
    public enum Kind: Sendable {
        /// A key policy: statements name a Principal.
        case key
        /// An IAM policy attached to an identity: statements have no Principal.
        case identity
    }

    enum Effect: String, Sendable { case allow = "Allow", deny = "Deny" }

    /// Who a key-policy statement names.
    struct Principals: Sendable, Hashable {
        var everyone = false
        /// Accounts named by `arn:aws:iam::<id>:root` or the bare 12-digit ID (delegation to the account's IAM).
        var accounts: Set<String> = []
        var principals: [PrincipalARN] = []
        /// Service, federated or canonical-user principals: valid, but never a Coffer caller.
        var others: [String] = []
    }

    struct Statement: Sendable, Hashable {
        var index: Int
        var sid: String?
        var effect: Effect
        var principals: Principals?
        var notPrincipal = false
        /// Lower-cased action patterns; nil when the statement has neither Action nor NotAction (it never matches).
        var actions: [WildcardPattern]?
        var notAction = false
        /// Resource patterns; nil when the statement has neither Resource nor NotResource (it never matches).
        var resources: [WildcardPattern]?
        var notResource = false
        var conditions: [ConditionClause] = []

        var label: String { sid.map { "statement \(index + 1) (Sid \"\($0)\")" } ?? "statement \(index + 1)" }
    }

    var statements: [Statement]
    /// Whether a condition asks for `kms:ResourceAliases` (the evaluator's caller then loads the key's aliases).
    public var usesResourceAliases: Bool

    static let maximumDepth = 32

    /// Parses and validates a policy document.
    /// - Throws: `MalformedPolicyDocumentException` with AWS's messages where known (spec §1.9).
    public init(parsing text: String, kind: Kind) throws(KMSError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.utf8))
        } catch {
            throw Self.malformed("The policy is not a valid JSON document: \(error.reason).")
        }
        try self.init(value, kind: kind)
    }

    public init(_ value: JSONValue, kind: Kind) throws(KMSError) {
        guard case .object(let members) = value else { throw Self.malformed("The policy must be a JSON object.") }
        for (name, member) in members {
            switch name {
            case "Version":
                guard case .string(let version) = member, version == "2012-10-17" || version == "2008-10-17" else {
                    throw Self.malformed("The policy Version must be \"2012-10-17\" or \"2008-10-17\".")
                }
            case "Id", "Statement":
                break
            default:
                throw Self.malformed("The policy contains an unknown element \"\(name)\".")
            }
        }
        let list: [JSONValue]
        switch value["Statement"] {
        case .array(let items)?: list = items
        case .object?: list = [value["Statement"]!]
        default: throw Self.malformed("The policy must contain a Statement.")
        }
        guard !list.isEmpty else { throw Self.malformed("The policy must contain at least one statement.") }
        var statements: [Statement] = []
        var usesAliases = false
        for (index, item) in list.enumerated() {
            let statement = try Self.statement(item, index: index, kind: kind)
            usesAliases = usesAliases || statement.conditions.contains { $0.key == "kms:resourcealiases" }
            statements.append(statement)
        }
        self.statements = statements
        self.usesResourceAliases = usesAliases
    }

    static func malformed(_ message: String) -> KMSError { KMSError(.malformedPolicyDocument, message) }

    static let invalidPrincipals = malformed("Policy contains a statement with one or more invalid principals.")

    private static func statement(_ value: JSONValue, index: Int, kind: Kind) throws(KMSError) -> Statement {
        guard case .object(let members) = value else { throw malformed("Each policy statement must be a JSON object.") }
        let known: Set<String> = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"]
        for (name, _) in members where !known.contains(name) {
            throw malformed("Policy statement \(index + 1) contains an unknown element \"\(name)\".")
        }
        var sid: String?
        if let raw = value["Sid"] {
            guard case .string(let text) = raw else { throw malformed("The Sid of a policy statement must be a string.") }
            sid = text
        }
        guard case .string(let effectText)? = value["Effect"], let effect = Effect(rawValue: effectText) else {
            throw malformed("Each policy statement must have an Effect of \"Allow\" or \"Deny\".")
        }
        var statement = Statement(index: index, sid: sid, effect: effect)

        let principal = value["Principal"], notPrincipal = value["NotPrincipal"]
        switch kind {
        case .key:
            if principal != nil && notPrincipal != nil { throw malformed("A policy statement cannot have both Principal and NotPrincipal.") }
            guard let named = principal ?? notPrincipal else { throw malformed("Each key policy statement must have a Principal.") }
            statement.principals = try principals(named)
            statement.notPrincipal = notPrincipal != nil
        case .identity:
            if principal != nil || notPrincipal != nil { throw malformed("Policy document should not specify a principal.") }
        }

        if value["Action"] != nil && value["NotAction"] != nil { throw malformed("A policy statement cannot have both Action and NotAction.") }
        if let raw = value["Action"] ?? value["NotAction"] {
            let actions = try strings(raw, element: "Action").map { $0.lowercased() }
            for action in actions where action != "*" && !action.contains(":") {
                throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
            }
            statement.actions = actions.map(WildcardPattern.init)
            statement.notAction = value["NotAction"] != nil
        }
        if value["Resource"] != nil && value["NotResource"] != nil { throw malformed("A policy statement cannot have both Resource and NotResource.") }
        if let raw = value["Resource"] ?? value["NotResource"] {
            let resources = try strings(raw, element: "Resource")
            for resource in resources where resource != "*" && !resource.hasPrefix("arn:") {
                throw malformed("Resource \(resource) must be in ARN format or \"*\".")
            }
            statement.resources = resources.map(WildcardPattern.init)
            statement.notResource = value["NotResource"] != nil
        }
        if let raw = value["Condition"] {
            statement.conditions = try conditions(raw)
        }
        return statement
    }

    private static func strings(_ value: JSONValue, element: String) throws(KMSError) -> [String] {
        switch value {
        case .string(let text): return [text]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw malformed("The \(element) element must be a string or a list of strings.") }
                out.append(text)
            }
            return out
        default:
            throw malformed("The \(element) element must be a string or a list of strings.")
        }
    }

    private static func principals(_ value: JSONValue) throws(KMSError) -> Principals {
        var result = Principals()
        switch value {
        case .string("*"):
            result.everyone = true
        case .object(let members):
            guard !members.isEmpty else { throw invalidPrincipals }
            for (type, raw) in members {
                let names: [String]
                do { names = try strings(raw, element: "Principal") } catch { throw invalidPrincipals }
                switch type {
                case "AWS":
                    for name in names {
                        if name == "*" {
                            result.everyone = true
                        } else if PrincipalARN.isAccountID(name) {
                            result.accounts.insert(name)
                        } else if let arn = PrincipalARN(name) {
                            if arn.isRoot { result.accounts.insert(arn.accountID) } else { result.principals.append(arn) }
                        } else {
                            throw invalidPrincipals
                        }
                    }
                case "Service", "Federated", "CanonicalUser":
                    guard names.allSatisfy({ !$0.isEmpty }) else { throw invalidPrincipals }
                    result.others.append(contentsOf: names)
                default:
                    throw invalidPrincipals
                }
            }
        default:
            throw invalidPrincipals
        }
        return result
    }

    private static func conditions(_ value: JSONValue) throws(KMSError) -> [ConditionClause] {
        guard case .object(let operators) = value else { throw malformed("The Condition element must be a JSON object.") }
        var clauses: [ConditionClause] = []
        for (operatorName, body) in operators {
            guard let op = ConditionOperator(operatorName) else {
                throw malformed("Policy contains an invalid condition operator: \(operatorName).")
            }
            guard case .object(let keys) = body else { throw malformed("The body of condition operator \(operatorName) must be a JSON object.") }
            for (keyName, raw) in keys {
                let key = keyName.lowercased()
                guard key.contains(":") else {
                    throw malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
                }
                if op.qualifier == .forAllValues, key.hasPrefix("kms:encryptioncontext:") || key.hasPrefix("aws:requesttag/") {
                    throw malformed(
                        "OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues."
                    )
                }
                var texts: [String] = []
                for item in (raw.arrayItems ?? [raw]) {
                    guard let text = item.conditionText else {
                        throw malformed("Condition values must be strings, numbers or booleans (\(operatorName) \(keyName)).")
                    }
                    texts.append(text)
                }
                guard !texts.isEmpty else { throw malformed("Condition \(operatorName) \(keyName) has no values.") }
                let operands = texts.map { ConditionOperand($0, base: op.base) }
                for operand in operands {
                    if op.base.positive == .ipAddress, operand.network == nil {
                        throw malformed("Condition \(operatorName) \(keyName) has an invalid IP address or CIDR block: \(operand.text).")
                    }
                    if operand.number == nil, Self.isNumericOrDate(op.base) {
                        throw malformed("Condition \(operatorName) \(keyName) has an invalid value: \(operand.text).")
                    }
                }
                if op.base == .null, !texts.allSatisfy({ ["true", "false"].contains($0.lowercased()) }) {
                    throw malformed("The Null condition operator takes \"true\" or \"false\".")
                }
                clauses.append(ConditionClause(op: op, key: key, operands: operands))
            }
        }
        return clauses
    }

    private static func isNumericOrDate(_ base: ConditionOperator.Base) -> Bool {
        switch base.positive {
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals,
            .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            return true
        default:
            return false
        }
    }
}

extension JSONValue {
    var arrayItems: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// A condition value as its literal string (numbers and booleans as written).
    var conditionText: String? {
        switch self {
        case .string(let text): return text
        case .bool(let value): return value ? "true" : "false"
        case .number(let value, let integral):
            if integral, let exact = Int64(exactly: value) { return String(exact) }
            return String(value)
        default: return nil
        }
    }
}
