import Foundation
import KMSCore

/// Encodes a typed response into JSON bytes by AWS JSON 1.1's conventions, as the router's JSONEncoder did: blobs as
/// base64 strings, timestamps as epoch seconds, nil members left out, slashes not escaped. Members come out in the
/// order the type encodes them (Foundation's encoder gave hash order). It builds a `JSONValue` and writes it with
/// `JSONWriter`, the one copy of JSON string escaping: Foundation's generic encoder cost ~30,000 instructions for a
/// three-member Encrypt response (bench/callgrind-guard).
struct JSONValueEncoder {
    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = EncodingNode()
        try JSONValueEncoding.encode(value, into: root, path: [])
        var writer = JSONWriter(capacity: 256)
        root.write(to: &writer)
        return writer.bytes
    }
}

/// A value being built: containers hand out child nodes and fill them in later, so nodes are shared references.
private final class EncodingNode {
    enum Content {
        case empty
        case value(JSONValue)
        case object([(String, EncodingNode)])
        case array([EncodingNode])
    }

    var content: Content = .empty

    func write(to writer: inout JSONWriter) {
        switch content {
        case .empty: writer.raw("{}")
        case .value(let value): writer.value(value)
        case .object(let members):
            writer.raw("{")
            for (index, (name, node)) in members.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.member(name)
                node.write(to: &writer)
            }
            writer.raw("}")
        case .array(let items):
            writer.raw("[")
            for (index, node) in items.enumerated() {
                if index > 0 { writer.raw(",") }
                node.write(to: &writer)
            }
            writer.raw("]")
        }
    }

    /// The node of member `name`, created (or, for a name encoded twice, replaced: the last value wins).
    func member(_ name: String) -> EncodingNode {
        let child = EncodingNode()
        guard case .object(var members) = content else {
            content = .object([(name, child)])
            return child
        }
        content = .empty  // no second reference while appending
        if let index = members.firstIndex(where: { $0.0 == name }) { members[index].1 = child } else { members.append((name, child)) }
        content = .object(members)
        return child
    }

    func item() -> EncodingNode {
        let child = EncodingNode()
        guard case .array(var items) = content else {
            content = .array([child])
            return child
        }
        content = .empty
        items.append(child)
        content = .array(items)
        return child
    }

    func makeObject() { if case .object = content {} else { content = .object([]) } }
    func makeArray() { if case .array = content {} else { content = .array([]) } }

    var count: Int {
        switch content {
        case .array(let items): return items.count
        case .object(let members): return members.count
        default: return 0
        }
    }
}

private struct JSONValueEncoding: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Blobs, timestamps and primitives by AWS JSON's conventions; every other type encodes itself. The metadata
    /// comparison (`T.self == String.self`) comes first and is cheap; the conditional cast after it runs only for the
    /// matching type, so no value pays for a chain of trial casts, and nothing can trap.
    static func encode<T: Encodable>(_ value: T, into node: EncodingNode, path: [any CodingKey]) throws {
        if T.self == String.self, let text = value as? String {
            node.content = .value(.string(text))
        } else if T.self == Data.self, let data = value as? Data {
            node.content = .value(.string(data.base64EncodedString()))
        } else if T.self == Date.self, let date = value as? Date {
            let seconds = date.timeIntervalSince1970
            node.content = .value(.number(seconds, integral: seconds.rounded() == seconds))
        } else if T.self == Bool.self, let flag = value as? Bool {
            node.content = .value(.bool(flag))
        } else if let integer = integerValue(value) {
            node.content = .value(.number(integer, integral: true))
        } else if T.self == Double.self || T.self == Float.self, let number = (value as? Double) ?? (value as? Float).map(Double.init) {
            node.content = .value(number.isFinite ? .number(number, integral: false) : try nonFinite(number, path))
        } else {
            try value.encode(to: JSONValueEncoding(node: node, codingPath: path))
        }
    }

    /// The value of the integer types responses use, as a JSON number; nil for any other type.
    private static func integerValue<T>(_ value: T) -> Double? {
        if T.self == Int.self { return (value as? Int).map(Double.init) }
        if T.self == Int64.self { return (value as? Int64).map(Double.init) }
        if T.self == Int32.self { return (value as? Int32).map(Double.init) }
        if T.self == UInt64.self { return (value as? UInt64).map(Double.init) }
        return nil
    }

    static func nonFinite(_ value: Any, _ path: [any CodingKey]) throws -> JSONValue {
        throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "not a finite number"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: EncodingNode
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).content = .value(.null) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try JSONValueEncoding.encode(value, into: node.member(key.stringValue), path: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            JSONValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            JSONValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { JSONValueEncoding(node: node.member("super"), codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            JSONValueEncoding(node: node.member(key.stringValue), codingPath: codingPath + [key])
        }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let node: EncodingNode
        let codingPath: [any CodingKey]
        var count: Int { node.count }

        mutating func encodeNil() throws { node.item().content = .value(.null) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoding.encode(value, into: node.item(), path: codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            JSONValueEncoding(node: node.item(), codingPath: codingPath).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            JSONValueEncoding(node: node.item(), codingPath: codingPath).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { JSONValueEncoding(node: node.item(), codingPath: codingPath) }
    }

    private struct Single: SingleValueEncodingContainer {
        let node: EncodingNode
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.content = .value(.null) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoding.encode(value, into: node, path: codingPath)
        }
    }
}
