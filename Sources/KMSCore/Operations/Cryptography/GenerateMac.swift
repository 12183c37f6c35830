import Crypto
import Foundation
import SigV4

public struct GenerateMacRequest: Decodable, Sendable {
    var message: Data
    var keyID: String
    var macAlgorithm: MacAlgorithm
    var grantTokens: [String]?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case message = "Message", keyID = "KeyId", macAlgorithm = "MacAlgorithm", grantTokens = "GrantTokens", dryRun = "DryRun"
    }
}

public struct GenerateMacResponse: Encodable, Sendable {
    var mac: Data
    var macAlgorithm: MacAlgorithm
    var keyID: String
    enum CodingKeys: String, CodingKey { case mac = "Mac", macAlgorithm = "MacAlgorithm", keyID = "KeyId" }
}

public struct VerifyMacRequest: Decodable, Sendable {
    var message: Data
    var keyID: String
    var macAlgorithm: MacAlgorithm
    var mac: Data
    var grantTokens: [String]?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case message = "Message", keyID = "KeyId", macAlgorithm = "MacAlgorithm", mac = "Mac", grantTokens = "GrantTokens", dryRun = "DryRun"
    }
}

public struct VerifyMacResponse: Encodable, Sendable {
    var keyID: String
    var macValid: Bool
    var macAlgorithm: MacAlgorithm
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", macValid = "MacValid", macAlgorithm = "MacAlgorithm" }
}

extension KMSService {
    /// [GenerateMac](https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html): a standard HMAC over the key material.
    public func generateMac(_ request: GenerateMacRequest, caller: Caller) async throws(KMSError) -> GenerateMacResponse {
        let (key, mac) = try await computeMac(
            keyText: request.keyID, algorithm: request.macAlgorithm, message: Array(request.message), caller: caller,
            operation: .generateMac, dryRun: request.dryRun, grantTokens: request.grantTokens
        )
        recordUsage(key, .generateMac, caller: caller)
        return GenerateMacResponse(mac: Data(mac), macAlgorithm: request.macAlgorithm, keyID: key.arn)
    }

    /// [VerifyMac](https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html): `MacValid: true`, or
    /// `KMSInvalidMacException`. The comparison is constant-time.
    public func verifyMac(_ request: VerifyMacRequest, caller: Caller) async throws(KMSError) -> VerifyMacResponse {
        let (key, mac) = try await computeMac(
            keyText: request.keyID, algorithm: request.macAlgorithm, message: Array(request.message), caller: caller,
            operation: .verifyMac, dryRun: request.dryRun, grantTokens: request.grantTokens
        )
        guard ConstantTime.equals(mac, Array(request.mac)) else { throw KMSError(.kmsInvalidMac, "") }
        recordUsage(key, .verifyMac, caller: caller)
        return VerifyMacResponse(keyID: key.arn, macValid: true, macAlgorithm: request.macAlgorithm)
    }

    private func computeMac(
        keyText: String, algorithm: MacAlgorithm, message: [UInt8], caller: Caller, operation: OperationName, dryRun: Bool?,
        grantTokens: [String]?
    ) async throws(KMSError) -> (KeyRecord, [UInt8]) {
        var facts = RequestFacts(grantTokens: grantTokens)
        facts.set("kms:MacAlgorithm", algorithm.rawValue)
        let key = try await cryptographicKey(keyText, caller: caller, operation: operation, usage: .generateVerifyMac, facts: facts)
        guard KeySpecRules.macAlgorithms(key.keySpec, key.keyUsage)?.contains(algorithm) == true else {
            throw KMSError(.invalidKeyUsage, "Algorithm \(algorithm.rawValue) is incompatible with key spec \(key.keySpec.rawValue).")
        }
        try Self.checkDryRun(dryRun)
        let material = try await currentMaterial(key).material
        return (key, try Self.hmac(algorithm, material: material, message: message))
    }

    static func hmac(_ algorithm: MacAlgorithm, material: KeyMaterial, message: [UInt8]) throws(KMSError) -> [UInt8] {
        let result: [UInt8]? = material.withUnsafeBytes { raw in
            let key = SymmetricKey(data: raw)
            switch algorithm {
            case .hmacSHA224: return DigestAlgorithm.sha224.hmac(key: raw, data: message)
            case .hmacSHA256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
            case .hmacSHA384: return Array(HMAC<SHA384>.authenticationCode(for: message, using: key))
            case .hmacSHA512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
            }
        }
        guard let result else { throw KMSError.internalFailure("HMAC key of an unexpected size") }
        return result
    }
}
