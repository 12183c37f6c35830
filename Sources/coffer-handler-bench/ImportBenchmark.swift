import Foundation
import KMSCore
import KMSServer
import _CryptoExtras

/// ImportKeyMaterial through the in-process handler: one EXTERNAL key, one GetParametersForImport (RSAES_OAEP_SHA_256),
/// the same wrapped material imported `count` times (a re-import of the same material is allowed). Returns the CPU
/// microseconds per ImportKeyMaterial, the handler's whole work: SigV4, JSON, token, unwrap, sealing, store.
enum ImportBenchmark {
    static func run(bits: Int, count: Int) async throws -> Double {
        let bench = try HandlerBenchmark()
        let created = await bench.call("CreateKey", #"{"Origin":"EXTERNAL"}"#)
        guard created.status == 200, case .string(let keyID)? = try JSONParser.parse(created.body)["KeyMetadata"]?["KeyId"] else {
            throw BenchmarkError("CreateKey: \(String(decoding: created.body, as: UTF8.self))")
        }
        let parameters = await bench.call(
            "GetParametersForImport",
            #"{"KeyId":"\#(keyID)","WrappingAlgorithm":"RSAES_OAEP_SHA_256","WrappingKeySpec":"RSA_\#(bits)"}"#
        )
        guard parameters.status == 200, let object = try? JSONParser.parse(parameters.body),
            case .string(let publicKey)? = object["PublicKey"], case .string(let token)? = object["ImportToken"],
            let spki = Data(base64Encoded: publicKey)
        else { throw BenchmarkError("GetParametersForImport: \(String(decoding: parameters.body, as: UTF8.self))") }
        let wrapping = try _RSA.Encryption.PublicKey(derRepresentation: spki)
        let material = try wrapping.encrypt(Data((0..<32).map { UInt8($0 &* 3) }), padding: _RSA.Encryption.Padding.PKCS1_OAEP_SHA256)
        let body = #"{"KeyId":"\#(keyID)","ImportToken":"\#(token)","EncryptedKeyMaterial":"\#(material.base64EncodedString())","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}"#

        let first = await bench.call("ImportKeyMaterial", body)
        guard first.status == 200 else { throw BenchmarkError("ImportKeyMaterial: \(String(decoding: first.body, as: UTF8.self))") }
        let start = CPUClock.seconds()
        for _ in 0..<count {
            let answer = await bench.call("ImportKeyMaterial", body)
            guard answer.status == 200 else { throw BenchmarkError("ImportKeyMaterial: \(String(decoding: answer.body, as: UTF8.self))") }
        }
        return (CPUClock.seconds() - start) * 1e6 / Double(count)
    }
}
