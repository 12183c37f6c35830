import Foundation
import KMSCore

/// The KMS request shapes from the botocore model, used to validate every request the way AWS does:
/// wrong JSON types give `SerializationException`; missing required members, lengths, ranges, enums and
/// patterns give `ValidationException` worded as AWS words it.
struct ServiceModel: Sendable {
    enum ShapeType: String, Sendable {
        case structure, string, blob, list, map, boolean, integer, long, timestamp, double, float
    }

    struct Shape: Sendable {
        var type: ShapeType
        var min: Int?
        var max: Int?
        var enumValues: [String]?
        /// The values as AWS lists them in a validation message (`awsEnumOrder`).
        var enumListing: String?
        var pattern: Pattern?
        var required: [String]
        var members: [(name: String, shape: String)]
        var member: String?
        var key: String?
        var value: String?
        var sensitive: Bool
    }

    /// A compiled model pattern, matched against the whole value as AWS does.
    struct Pattern: @unchecked Sendable {
        // @unchecked Sendable: NSRegularExpression is immutable after creation and documented thread-safe.
        let source: String
        let regex: NSRegularExpression
    }

    let inputShapes: [String: String?]
    let outputShapes: [String: String]
    let shapes: [String: Shape]

    /// The model bundled with this build (see scripts/generate-service-model.py).
    static let bundled: ServiceModel = {
        do {
            return try ServiceModel(json: Array(modelJSON.utf8))
        } catch {
            // The bundled model is generated and covered by tests; failing here is a build defect.
            fatalError("The bundled KMS service model is invalid: \(error)")
        }
    }()

    init(json: [UInt8]) throws {
        let root = try JSONParser.parse(json)
        guard case .object(let operations)? = root["operations"], case .object(let shapeList)? = root["shapes"] else {
            throw JSONParser.Failure(reason: "model lacks operations or shapes")
        }
        var inputs: [String: String?] = [:]
        for (name, value) in operations {
            if case .string(let shape) = value { inputs[name] = shape } else { inputs[name] = .some(nil) }
        }
        var outputs: [String: String] = [:]
        if case .object(let list)? = root["outputs"] {
            for (name, value) in list { if case .string(let shape) = value { outputs[name] = shape } }
        }
        var shapes: [String: Shape] = [:]
        for (name, value) in shapeList {
            guard case .string(let typeName)? = value["type"], let type = ShapeType(rawValue: typeName) else { continue }
            func int(_ key: String) -> Int? {
                if case .number(let n, _)? = value[key] { return Int(n) }
                return nil
            }
            func string(_ key: String) -> String? {
                if case .string(let s)? = value[key] { return s }
                return nil
            }
            var enumValues: [String]?
            var enumListing: String?
            if case .array(let items)? = value["enum"] {
                let values = items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
                enumValues = values
                enumListing = Self.awsEnumOrder(values, shape: name).joined(separator: ", ")
            }
            var required: [String] = []
            if case .array(let items)? = value["required"] {
                required = items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
            }
            var members: [(name: String, shape: String)] = []
            if case .object(let list)? = value["members"] {
                members = list.compactMap { name, shape in
                    if case .string(let s) = shape { return (name, s) } else { return nil }
                }
            }
            var pattern: Pattern?
            if let source = string("pattern") {
                let regex = try NSRegularExpression(pattern: "^(?:\(source))$", options: [])
                pattern = Pattern(source: source, regex: regex)
            }
            var sensitive = false
            if case .bool(true)? = value["sensitive"] { sensitive = true }
            shapes[name] = Shape(
                type: type, min: int("min"), max: int("max"), enumValues: enumValues, enumListing: enumListing, pattern: pattern, required: required,
                members: members, member: string("member"), key: string("key"), value: string("value"), sensitive: sensitive
            )
        }
        self.inputShapes = inputs
        self.outputShapes = outputs
        self.shapes = shapes
    }

    /// Validates a request body against the input shape of `operation`.
    /// - Throws: `SerializationException` for type mismatches, `ValidationException` for constraint violations.
    func validate(_ body: JSONValue, operation: String) throws(KMSError) {
        guard let inputName = inputShapes[operation], let inputName, let shape = shapes[inputName] else { return }
        var errors: [String] = []
        try validateStructure(body, shape: shape, path: "", errors: &errors)
        guard !errors.isEmpty else { return }
        let count = errors.count
        let noun = count == 1 ? "error" : "errors"
        throw KMSError.validation("\(count) validation \(noun) detected: " + errors.joined(separator: "; "))
    }

    private func validateStructure(_ value: JSONValue, shape: Shape, path: String, errors: inout [String]) throws(KMSError) {
        guard case .object(let members) = value else {
            throw KMSError(.serialization, "Expected a JSON object at '\(path.isEmpty ? "request body" : path)' but found a \(value.typeName).")
        }
        for required in shape.required where members.first(where: { $0.0 == required }).map({ $0.1 == .null }) ?? true {
            errors.append("Value null at '\(Self.join(path, Self.lowerCamel(required)))' failed to satisfy constraint: Member must not be null")
        }
        for (name, memberValue) in members {
            guard let memberShapeName = shape.members.first(where: { $0.name == name })?.shape, let memberShape = shapes[memberShapeName] else {
                continue  // unknown members are ignored, as AWS JSON services do
            }
            if memberValue == .null { continue }
            try validateValue(memberValue, shape: memberShape, path: Self.join(path, Self.lowerCamel(name)), errors: &errors)
        }
    }

    private func validateValue(_ value: JSONValue, shape: Shape, path: String, errors: inout [String]) throws(KMSError) {
        switch shape.type {
        case .structure:
            try validateStructure(value, shape: shape, path: path, errors: &errors)
        case .string:
            guard case .string(let text) = value else { throw typeError(path, expected: "string", found: value) }
            let shown = shape.sensitive ? "Value" : "Value '\(text)'"
            let length = text.utf16.count
            if let enumValues = shape.enumValues, !enumValues.contains(text) {
                errors.append("\(shown) at '\(path)' failed to satisfy constraint: Member must satisfy enum value set: [\(shape.enumListing ?? enumValues.joined(separator: ", "))]")
            }
            if let min = shape.min, length < min {
                errors.append("\(shown) at '\(path)' failed to satisfy constraint: Member must have length greater than or equal to \(min)")
            }
            if let max = shape.max, length > max {
                errors.append("\(shown) at '\(path)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
            }
            if let pattern = shape.pattern {
                let range = NSRange(text.startIndex..<text.endIndex, in: text)
                if pattern.regex.firstMatch(in: text, options: [], range: range) == nil {
                    errors.append("\(shown) at '\(path)' failed to satisfy constraint: Member must satisfy regular expression pattern: \(pattern.source)")
                }
            }
        case .blob:
            guard case .string(let text) = value else { throw typeError(path, expected: "base64-encoded string", found: value) }
            guard Self.isPaddedBase64(text), let data = Data(base64Encoded: text) else {
                throw KMSError(.serialization, "Value at '\(path)' is not valid base64.")
            }
            if let min = shape.min, data.count < min {
                errors.append("Value at '\(path)' failed to satisfy constraint: Member must have length greater than or equal to \(min)")
            }
            if let max = shape.max, data.count > max {
                errors.append("Value at '\(path)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
            }
        case .boolean:
            guard case .bool = value else { throw typeError(path, expected: "boolean", found: value) }
        case .integer, .long:
            guard case .number(let number, let integral) = value, integral, abs(number) < 9.0e15 else {
                throw typeError(path, expected: "integer", found: value)
            }
            if let min = shape.min, Int(number) < min {
                errors.append("Value '\(Int(number))' at '\(path)' failed to satisfy constraint: Member must have value greater than or equal to \(min)")
            }
            if let max = shape.max, Int(number) > max {
                errors.append("Value '\(Int(number))' at '\(path)' failed to satisfy constraint: Member must have value less than or equal to \(max)")
            }
        case .double, .float:
            guard case .number(let number, _) = value else { throw typeError(path, expected: "number", found: value) }
            guard number.isFinite else { throw KMSError(.serialization, "Value at '\(path)' is not a finite number.") }
        case .timestamp:
            guard case .number(let seconds, _) = value else { throw typeError(path, expected: "timestamp (epoch seconds)", found: value) }
            // Beyond AWS's timestamp range (and never infinite): a date no conversion can overflow on.
            guard Date.awsEpochSecondsRange.contains(seconds) else {
                throw KMSError(.serialization, "Value at '\(path)' is not a valid timestamp: epoch seconds out of range.")
            }
        case .list:
            guard case .array(let items) = value else { throw typeError(path, expected: "array", found: value) }
            if let min = shape.min, items.count < min {
                errors.append("Value at '\(path)' failed to satisfy constraint: Member must have length greater than or equal to \(min)")
            }
            if let max = shape.max, items.count > max {
                errors.append("Value at '\(path)' failed to satisfy constraint: Member must have length less than or equal to \(max)")
            }
            if let memberName = shape.member, let memberShape = shapes[memberName] {
                for (offset, item) in items.enumerated() {
                    if item == .null { continue }
                    try validateValue(item, shape: memberShape, path: "\(path).\(offset + 1).member", errors: &errors)
                }
            }
        case .map:
            guard case .object(let entries) = value else { throw typeError(path, expected: "object", found: value) }
            if let valueName = shape.value, let valueShape = shapes[valueName] {
                for (name, entry) in entries {
                    if entry == .null { continue }
                    try validateValue(entry, shape: valueShape, path: "\(path).\(name)", errors: &errors)
                }
            }
        }
    }

    private func typeError(_ path: String, expected: String, found: JSONValue) -> KMSError {
        KMSError(.serialization, "Expected a \(expected) at '\(path)' but found a \(found.typeName).")
    }

    static func lowerCamel(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
    }

    /// Base64 as AWS's decoders want it: whole 4-character groups, `=` only as the last one or two characters
    /// (Foundation alone also takes `QUJD=` and `QUJD==`).
    static func isPaddedBase64(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count % 4 == 0 else { return false }
        var padding = 0
        for byte in bytes {
            if byte == UInt8(ascii: "=") {
                padding += 1
            } else if padding > 0 {
                return false
            }
        }
        return padding <= 2
    }

    static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }
}
