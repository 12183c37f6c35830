import Foundation

/// The JSON coders every store uses for its documents (key records, grants): epoch-second dates, sorted keys, so
/// that a record written by one store reads back equal from another (`coffer store copy`). Configured once;
/// JSONEncoder and JSONDecoder are thread-safe once configured.
public enum StoreDocuments {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    public static func encode<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    public static func decode<T: Decodable>(_ type: T.Type, _ document: String) throws -> T {
        try decoder.decode(type, from: Data(document.utf8))
    }
}
