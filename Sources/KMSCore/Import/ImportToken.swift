import Foundation

/// The opaque import token of GetParametersForImport: a small record sealed (AES-256-GCM) under the root key with the
/// associated data `"coffer/import-token/v1"`, so it is confidential and any forged or altered byte is detected.
/// It binds the key ARN, the wrapping key (by the ID of its stored private half), the algorithm, the wrapping key spec
/// and the validity period. See docs/import.md.
struct ImportToken: Codable, Sendable, Equatable {
    var keyARN: String
    var wrappingKeyID: String
    var algorithm: WrappingAlgorithm
    var wrappingKeySpec: WrappingKeySpec
    var issuedAt: Date
    var validTo: Date

    enum CodingKeys: String, CodingKey {
        case keyARN = "k", wrappingKeyID = "w", algorithm = "a", wrappingKeySpec = "s", issuedAt = "i", validTo = "v"
    }

    static let purpose = Array("coffer/import-token/v1".utf8)

    static var encoder: JSONEncoder { EpochSecondsJSON.encoder }
    static var decoder: JSONDecoder { EpochSecondsJSON.decoder }

    func seal(with sealer: MaterialSealer) throws(KMSError) -> [UInt8] {
        guard let body = try? Self.encoder.encode(self) else { throw KMSError.internalFailure("import token body could not be encoded") }
        return try sealer.seal(bytes: Array(body), purpose: Self.purpose)
    }

    /// Opens a token. - Throws: `InvalidImportTokenException` for anything this server did not issue unchanged.
    static func open(_ bytes: [UInt8], with sealer: MaterialSealer) throws(KMSError) -> ImportToken {
        let invalid = KMSError(.invalidImportToken, "Import token is invalid.")
        guard let opened = sealer.open(bytes: bytes, purpose: purpose) else { throw invalid }
        let token: ImportToken? = opened.withUnsafeBytes { try? Self.decoder.decode(ImportToken.self, from: Data($0)) }
        guard let token else { throw invalid }
        return token
    }
}
