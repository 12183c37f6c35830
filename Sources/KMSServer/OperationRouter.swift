import Foundation
import KMSCore

/// Maps each implemented operation to its handler: decode the typed request, run it, encode the response.
struct OperationRouter: Sendable {
    /// The request arrives parsed (the model validator's `JSONValue`): each body is parsed once.
    typealias Handler = @Sendable (KMSService, JSONValue, Caller) async throws(KMSError) -> [UInt8]

    let handlers: [OperationName: Handler]

    static func decode<T: Decodable>(_ type: T.Type, from body: JSONValue) throws(KMSError) -> T {
        do {
            return try JSONValueDecoder().decode(type, from: body)
        } catch {
            throw KMSError(.serialization, "The request body could not be read as \(T.self): a member has the wrong type or value.")
        }
    }

    /// Responses are written by `JSONValueEncoder` (blobs base64, timestamps epoch seconds), without Foundation's
    /// generic encoder.
    static func encode<T: Encodable>(_ value: T) throws(KMSError) -> [UInt8] {
        do {
            return try JSONValueEncoder().encode(value)
        } catch {
            throw KMSError.internalFailure(error)
        }
    }

    /// Builds a handler from a typed operation method.
    static func route<Request: Decodable & Sendable, Response: Encodable & Sendable>(
        _ method: @escaping @Sendable (KMSService) -> (Request, Caller) async throws(KMSError) -> Response
    ) -> Handler {
        { (service: KMSService, body: JSONValue, caller: Caller) async throws(KMSError) -> [UInt8] in
            let request = try decode(Request.self, from: body)
            let response = try await method(service)(request, caller)
            return try encode(response)
        }
    }

    static let standard = OperationRouter(handlers: [
        .createKey: route(KMSService.createKey),
        .describeKey: route(KMSService.describeKey),
        .listKeys: route(KMSService.listKeys),
        .enableKey: route(KMSService.enableKey),
        .disableKey: route(KMSService.disableKey),
        .scheduleKeyDeletion: route(KMSService.scheduleKeyDeletion),
        .cancelKeyDeletion: route(KMSService.cancelKeyDeletion),
        .updateKeyDescription: route(KMSService.updateKeyDescription),
        .createAlias: route(KMSService.createAlias),
        .updateAlias: route(KMSService.updateAlias),
        .deleteAlias: route(KMSService.deleteAlias),
        .listAliases: route(KMSService.listAliases),
        .tagResource: route(KMSService.tagResource),
        .untagResource: route(KMSService.untagResource),
        .listResourceTags: route(KMSService.listResourceTags),
        .getKeyPolicy: route(KMSService.getKeyPolicy),
        .putKeyPolicy: route(KMSService.putKeyPolicy),
        .listKeyPolicies: route(KMSService.listKeyPolicies),
        .generateRandom: route(KMSService.generateRandom),
        .encrypt: route(KMSService.encrypt),
        .decrypt: route(KMSService.decrypt),
        .reEncrypt: route(KMSService.reEncrypt),
        .generateDataKey: route(KMSService.generateDataKey),
        .generateDataKeyWithoutPlaintext: route(KMSService.generateDataKeyWithoutPlaintext),
        .generateDataKeyPair: route(KMSService.generateDataKeyPair),
        .generateDataKeyPairWithoutPlaintext: route(KMSService.generateDataKeyPairWithoutPlaintext),
        .sign: route(KMSService.sign),
        .verify: route(KMSService.verify),
        .generateMac: route(KMSService.generateMac),
        .verifyMac: route(KMSService.verifyMac),
        .getPublicKey: route(KMSService.getPublicKey),
        .deriveSharedSecret: route(KMSService.deriveSharedSecret),
        .getParametersForImport: route(KMSService.getParametersForImport),
        .importKeyMaterial: route(KMSService.importKeyMaterial),
        .deleteImportedKeyMaterial: route(KMSService.deleteImportedKeyMaterial),
        .rotateKeyOnDemand: route(KMSService.rotateKeyOnDemand),
        .listKeyRotations: route(KMSService.listKeyRotations),
        .enableKeyRotation: route(KMSService.enableKeyRotation),
        .disableKeyRotation: route(KMSService.disableKeyRotation),
        .getKeyRotationStatus: route(KMSService.getKeyRotationStatus),
        .getKeyLastUsage: route(KMSService.getKeyLastUsage),
        .replicateKey: route(KMSService.replicateKey),
        .updatePrimaryRegion: route(KMSService.updatePrimaryRegion),
        .createGrant: route(KMSService.createGrant),
        .listGrants: route(KMSService.listGrants),
        .listRetirableGrants: route(KMSService.listRetirableGrants),
        .retireGrant: route(KMSService.retireGrant),
        .revokeGrant: route(KMSService.revokeGrant),
    ])
}
