import Foundation

/// The one configuration of Foundation's JSON coders for Coffer's own documents and for the CLI's requests: dates as
/// epoch seconds (AWS JSON 1.1's timestamps), blobs as base64, members sorted so that equal values encode to equal
/// bytes. Used by the stores (key records, grants), import tokens and `coffer byok`. Configured once; JSONEncoder and
/// JSONDecoder are thread-safe once configured. (Responses on the request path use `JSONValueEncoder` instead.)
public enum EpochSecondsJSON {
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
}
