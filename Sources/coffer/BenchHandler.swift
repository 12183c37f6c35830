import ArgumentParser
import Foundation
import KMSCore
import KMSServer
import Logging
import SigV4

/// `coffer bench-handler`: N signed Encrypt (64 B) requests through the in-process protocol handler, no sockets. For
/// the CI guard that counts instructions with callgrind (bench/callgrind-guard), and for profiling the handler alone.
struct BenchHandler: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-handler", abstract: "Run signed Encrypt requests through the in-process handler (benchmarks).", shouldDisplay: false
    )

    @Option(help: "How many requests.") var requests: Int = 1000

    func run() async throws {
        let service = KMSService(
            store: InMemoryKeyStore(), sealer: try MaterialSealer(rootKey: [UInt8](repeating: 7, count: 32)), clock: SystemClock(),
            random: SystemRandom()
        )
        var logger = Logger(label: "coffer.bench")
        logger.logLevel = .critical
        let handler = KMSProtocolHandler(service: service, identities: IdentityDirectory([.development]), logger: logger)
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyID: "test", secretAccessKey: "test"), region: "us-east-1")

        func request(_ target: String, _ json: String) -> KMSHTTPRequest {
            let body = Array(json.utf8)
            var headers: [(name: String, value: String)] = [
                ("host", "127.0.0.1:4599"), ("content-type", "application/x-amz-json-1.1"), ("x-amz-target", "TrentService.\(target)"),
            ]
            headers += signer.signedHeaders(method: "POST", path: "/", headers: headers, body: body, date: Date())
            return KMSHTTPRequest(method: "POST", path: "/", headers: headers, body: body, sourceIP: "127.0.0.1")
        }

        let created = await handler.handle(request("CreateKey", "{}"))
        guard created.status == 200, let object = try? JSONParser.parse(created.body),
            case .string(let keyID)? = object["KeyMetadata"]?["KeyId"]
        else { throw ValidationError("CreateKey failed: \(String(decoding: created.body, as: UTF8.self))") }
        let plaintext = Data(repeating: 0x61, count: 64).base64EncodedString()
        let encrypt = request("Encrypt", #"{"KeyId":"\#(keyID)","Plaintext":"\#(plaintext)"}"#)
        var ok = 0
        for _ in 0..<requests where await handler.handle(encrypt).status == 200 { ok += 1 }
        print("\(ok) of \(requests) Encrypt requests answered 200")
        if ok != requests { throw ExitCode(1) }
    }
}
