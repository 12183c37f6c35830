import Foundation

/// The JSON coders every store uses for its documents (key records, grants): `EpochSecondsJSON`'s epoch-second dates
/// and sorted keys, so that a record written by one store reads back equal from another (`coffer store copy`).
public enum StoreDocuments {
    public static var encoder: JSONEncoder { EpochSecondsJSON.encoder }
    public static var decoder: JSONDecoder { EpochSecondsJSON.decoder }

    public static func encode<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    public static func decode<T: Decodable>(_ type: T.Type, _ document: String) throws -> T {
        try decoder.decode(type, from: Data(document.utf8))
    }
}
