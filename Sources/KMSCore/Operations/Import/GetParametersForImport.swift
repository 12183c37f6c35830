import Foundation
import SigV4

/// `Encodable` too, for clients (`coffer byok import`).
public struct GetParametersForImportRequest: Codable, Sendable {
    var keyID: String
    var wrappingAlgorithm: WrappingAlgorithm
    var wrappingKeySpec: WrappingKeySpec
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", wrappingAlgorithm = "WrappingAlgorithm", wrappingKeySpec = "WrappingKeySpec" }

    public init(keyID: String, wrappingAlgorithm: WrappingAlgorithm, wrappingKeySpec: WrappingKeySpec) {
        self.keyID = keyID
        self.wrappingAlgorithm = wrappingAlgorithm
        self.wrappingKeySpec = wrappingKeySpec
    }
}

/// `Decodable` too, for clients (`coffer byok import`).
public struct GetParametersForImportResponse: Codable, Sendable {
    public internal(set) var keyID: String
    public internal(set) var importToken: Data
    public internal(set) var publicKey: Data
    public internal(set) var parametersValidTo: Date
    enum CodingKeys: String, CodingKey {
        case keyID = "KeyId", importToken = "ImportToken", publicKey = "PublicKey", parametersValidTo = "ParametersValidTo"
    }
}

extension KMSService {
    /// How long import parameters stay valid.
    static let importParametersLifetime: TimeInterval = 24 * 3600

    /// Checks that a key can take imported material (origin EXTERNAL).
    static func requireExternal(_ key: KeyRecord) throws(KMSError) {
        guard key.origin == .external else {
            throw KMSError.unsupported("\(key.arn) origin is \(key.origin.rawValue) which is not valid for this operation.")
        }
    }

    /// [GetParametersForImport](https://docs.aws.amazon.com/kms/latest/APIReference/API_GetParametersForImport.html):
    /// a fresh RSA wrapping key pair (from the pre-generated pool) and an import token bound to it and to the key.
    public func getParametersForImport(
        _ request: GetParametersForImportRequest, caller: Caller
    ) async throws(KMSError) -> GetParametersForImportResponse {
        var facts = RequestFacts()
        facts.set("kms:WrappingAlgorithm", request.wrappingAlgorithm.rawValue)
        facts.set("kms:WrappingKeySpec", request.wrappingKeySpec.rawValue)
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .getParametersForImport, allowAlias: false, facts: facts)
        try Self.requireExternal(key)
        try KeyStateRules.check(.getParametersForImport, key)
        try ImportWrapping.checkCompatibility(request.wrappingAlgorithm, request.wrappingKeySpec, for: key.keySpec)

        let pair = try await wrappingKeys.take(request.wrappingKeySpec)
        let now = clock.now()
        let validTo = now.addingTimeInterval(Self.importParametersLifetime)
        let wrappingKeyID = Hex.encode(random.bytes(16))
        let privateKey: [UInt8]
        let publicKey: [UInt8]
        do {
            privateKey = try pair.pkcs8()
            publicKey = try pair.spki()
        } catch {
            throw KMSError.internalFailure(error)
        }
        let sealed = try sealer.seal(bytes: privateKey, purpose: Self.wrappingKeyPurpose(wrappingKeyID))
        try await store.insertWrappingKey(
            StoredWrappingKey(id: wrappingKeyID, scope: key.scope, keyID: key.id, sealed: sealed, expiresAt: validTo)
        )
        let token = ImportToken(
            keyARN: key.arn, wrappingKeyID: wrappingKeyID, algorithm: request.wrappingAlgorithm,
            wrappingKeySpec: request.wrappingKeySpec, issuedAt: now, validTo: validTo
        )
        return GetParametersForImportResponse(
            keyID: key.arn, importToken: Data(try token.seal(with: sealer)), publicKey: Data(publicKey), parametersValidTo: validTo
        )
    }

    static func wrappingKeyPurpose(_ id: String) -> [UInt8] { Array("coffer/wrapping-key/v1/\(id)".utf8) }
}
