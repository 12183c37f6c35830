import Foundation
import KMSCore
import Logging
import SigV4

/// The workload of the CI instruction-count guard (bench/callgrind-guard) and of handler-only profiling: signed Encrypt
/// (64 B) requests through the in-process ``KMSProtocolHandler``, with no sockets, an in-memory store and logging off.
public struct HandlerBenchmark: Sendable {
    private let handler: KMSProtocolHandler
    private let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: "test", secretAccessKey: "test"), region: "us-east-1")

    public init() throws {
        let service = KMSService(
            store: InMemoryKeyStore(), sealer: try MaterialSealer(rootKey: [UInt8](repeating: 7, count: 32)), clock: SystemClock(),
            random: SystemRandom()
        )
        var logger = Logger(label: "coffer.bench")
        logger.logLevel = .critical
        handler = KMSProtocolHandler(service: service, identities: IdentityDirectory([.development]), logger: logger)
    }

    /// Creates a key, then sends `requests` identical signed Encrypt requests one after the other. Returns how many
    /// were answered 200.
    public func encrypt(requests: Int) async throws -> Int {
        let created = await handler.handle(request("CreateKey", "{}"))
        guard created.status == 200, let object = try? JSONParser.parse(created.body),
            case .string(let keyID)? = object["KeyMetadata"]?["KeyId"]
        else { throw HandlerBenchmarkError(message: "CreateKey failed: \(String(decoding: created.body, as: UTF8.self))") }
        let plaintext = Data(repeating: 0x61, count: 64).base64EncodedString()
        let encrypt = request("Encrypt", #"{"KeyId":"\#(keyID)","Plaintext":"\#(plaintext)"}"#)
        var ok = 0
        for _ in 0..<requests where await handler.handle(encrypt).status == 200 { ok += 1 }
        return ok
    }

    /// One signed request through the handler: its status and body.
    public func call(_ target: String, _ json: String) async -> (status: Int, body: [UInt8]) {
        let response = await handler.handle(request(target, json))
        return (response.status, response.body)
    }

    private func request(_ target: String, _ json: String) -> KMSHTTPRequest {
        let body = Array(json.utf8)
        var headers: [(name: String, value: String)] = [
            ("host", "127.0.0.1:4599"), ("content-type", "application/x-amz-json-1.1"), ("x-amz-target", "TrentService.\(target)"),
        ]
        headers += signer.signedHeaders(method: "POST", path: "/", headers: headers, body: body, date: Date())
        return KMSHTTPRequest(method: "POST", path: "/", headers: headers, body: body, sourceIP: "127.0.0.1")
    }
}

public struct HandlerBenchmarkError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
