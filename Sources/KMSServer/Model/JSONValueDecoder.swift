import Foundation
import KMSCore

/// Decodes a typed request straight from the `JSONValue` the model validator already parsed, so that a body is parsed
/// once (Foundation's JSONDecoder would parse it again). The conventions of AWS JSON 1.1, as the router's JSONDecoder
/// had them: blobs are base64 strings, timestamps epoch seconds; a member given twice takes its last value.
struct JSONValueDecoder {
    func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoding.decode(type, from: value, path: [])
    }
}

private struct JSONValueDecoding: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Blobs and timestamps by AWS JSON's conventions; every other type decodes itself.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, path: [any CodingKey]) throws -> T {
        let converted: Any?
        switch value {
        case .string(let text) where type == Data.self: converted = Data(base64Encoded: text)
        case .number(let seconds, _) where type == Date.self:
            converted = Date.awsEpochSecondsRange.contains(seconds) ? Date(timeIntervalSince1970: seconds) : nil
        default:
            if type == Data.self || type == Date.self { throw mismatch(type, path) }
            return try T(from: JSONValueDecoding(value: value, codingPath: path))
        }
        guard let result = converted as? T else { throw mismatch(type, path) }
        return result
    }

    static func mismatch(_ type: Any.Type, _ path: [any CodingKey]) -> DecodingError {
        DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "wrong JSON type"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw Self.mismatch([String: Any].self, codingPath) }
        var byName: [String: JSONValue] = [:]
        for (name, member) in members { byName[name] = member }
        return KeyedDecodingContainer(Keyed<Key>(members: byName, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw Self.mismatch([Any].self, codingPath) }
        return Unkeyed(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, codingPath: codingPath) }

    // MARK: Scalars, shared by the three containers

    static func scalar<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey]) throws -> T {
        let primitive: Any?
        switch value {
        case .string(let text): primitive = type == String.self ? text : nil
        case .bool(let flag): primitive = type == Bool.self ? flag : nil
        case .number(let number, _): primitive = type == Double.self ? number : type == Float.self ? Float(number) : integer(type, number)
        default: primitive = nil
        }
        if let result = primitive as? T { return result }
        // A primitive of the wrong JSON type; anything else decodes itself (a primitive would recurse forever).
        if type == String.self || type == Bool.self || type == Double.self || type == Float.self || isInteger(type) {
            throw mismatch(type, path)
        }
        return try decode(type, from: value, path: path)
    }

    private static func isInteger(_ type: Any.Type) -> Bool {
        type is Int.Type || type is Int64.Type || type is Int32.Type || type is UInt.Type || type is UInt64.Type || type is UInt32.Type
    }

    private static func integer(_ type: Any.Type, _ number: Double) -> Any? {
        switch type {
        case is Int.Type: return Int(exactly: number)
        case is Int64.Type: return Int64(exactly: number)
        case is Int32.Type: return Int32(exactly: number)
        case is UInt.Type: return UInt(exactly: number)
        case is UInt64.Type: return UInt64(exactly: number)
        case is UInt32.Type: return UInt32(exactly: number)
        default: return nil
        }
    }

    private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: JSONValue]
        let codingPath: [any CodingKey]
        var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        func member(_ key: Key) throws -> JSONValue {
            guard let value = members[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
            }
            return value
        }

        func decodeNil(forKey key: Key) throws -> Bool { members[key.stringValue].map { $0 == .null } ?? true }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoding.scalar(type, try member(key), codingPath + [key])
        }

        func decode(_ type: String.Type, forKey key: Key) throws -> String { try JSONValueDecoding.scalar(type, try member(key), codingPath + [key]) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try JSONValueDecoding.scalar(type, try member(key), codingPath + [key]) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try JSONValueDecoding.scalar(type, try member(key), codingPath + [key]) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try JSONValueDecoding.scalar(type, try member(key), codingPath + [key]) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONValueDecoding(value: try member(key), codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoding(value: try member(key), codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { JSONValueDecoding(value: .object(members.map { ($0, $1) }), codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { JSONValueDecoding(value: try member(key), codingPath: codingPath + [key]) }
    }

    private struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        init(items: [JSONValue], codingPath: [any CodingKey]) {
            self.items = items
            self.codingPath = codingPath
        }

        private struct Index: CodingKey {
            var stringValue: String { "Index \(intValue ?? 0)" }
            var intValue: Int?
            init(_ index: Int) { intValue = index }
            init?(stringValue: String) { nil }
            init?(intValue: Int) { self.intValue = intValue }
        }

        mutating func next() throws -> (JSONValue, [any CodingKey]) {
            guard !isAtEnd else { throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath, debugDescription: "end of array")) }
            defer { currentIndex += 1 }
            return (items[currentIndex], codingPath + [Index(currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (value, path) = try next()
            return try JSONValueDecoding.scalar(type, value, path)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let (value, path) = try next()
            return try JSONValueDecoding(value: value, codingPath: path).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let (value, path) = try next()
            return try JSONValueDecoding(value: value, codingPath: path).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            let (value, path) = try next()
            return JSONValueDecoding(value: value, codingPath: path)
        }
    }

    private struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let codingPath: [any CodingKey]
        func decodeNil() -> Bool { value == .null }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONValueDecoding.scalar(type, value, codingPath) }
    }
}
