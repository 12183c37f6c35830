import KMSCore

extension ServiceModel {
    /// Members never written to the audit log although their shape is a plain string: bearer tokens.
    static let auditWithheldMembers: Set<String> = ["GrantToken", "GrantTokens"]

    /// A request body as the audit log's `requestParameters`: member names lower-camel-cased as CloudTrail prints
    /// them, every blob member, every member the model marks sensitive and the grant tokens left out, and anything the
    /// model does not know (or of the wrong type) dropped. Nil when the operation has no input shape.
    func auditRequestParameters(_ body: JSONValue, operation: String) -> JSONValue? {
        guard let inputName = inputShapes[operation], let inputName else { return nil }
        return auditProjection(body, shapeName: inputName)
    }

    /// A response body as the audit log's `responseElements`, redacted as the request parameters are.
    func auditResponseElements(_ body: JSONValue, operation: String) -> JSONValue? {
        guard let outputName = outputShapes[operation] else { return nil }
        return auditProjection(body, shapeName: outputName)
    }

    private func auditProjection(_ value: JSONValue, shapeName: String) -> JSONValue? {
        guard let shape = shapes[shapeName], !shape.sensitive else { return nil }
        switch (shape.type, value) {
        case (.structure, .object(let members)):
            var kept: [(String, JSONValue)] = []
            for (name, member) in members where !Self.auditWithheldMembers.contains(name) {
                guard let memberShape = shape.members.first(where: { $0.name == name })?.shape,
                    let projected = auditProjection(member, shapeName: memberShape)
                else { continue }
                kept.append((Self.lowerCamel(name), projected))
            }
            return .object(kept)
        case (.list, .array(let items)):
            guard let member = shape.member else { return nil }
            return .array(items.compactMap { auditProjection($0, shapeName: member) })
        case (.map, .object(let entries)):
            guard let valueShape = shape.value else { return nil }
            return .object(entries.compactMap { key, entry in auditProjection(entry, shapeName: valueShape).map { (key, $0) } })
        case (.blob, _):
            return nil
        case (.string, .string), (.boolean, .bool), (.integer, .number), (.long, .number), (.double, .number),
            (.float, .number), (.timestamp, .number), (.timestamp, .string):
            return value
        default:
            return nil
        }
    }
}
