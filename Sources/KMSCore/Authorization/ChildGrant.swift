/// What a child grant asks for, when the action is `kms:CreateGrant` and a parent grant may allow it.
public struct ChildGrant: Sendable {
    public var operations: [String]
    public var constraints: GrantConstraints?

    public init(operations: [String], constraints: GrantConstraints?) {
        self.operations = operations
        self.constraints = constraints
    }
}
