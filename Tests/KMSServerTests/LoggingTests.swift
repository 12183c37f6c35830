import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import KMSCore
import Logging
import Testing
import SigV4

@testable import KMSServer

@Suite struct RequestLoggingTests {
    @Test func requestLogsCarryOperationAndStatusButNoSecrets() async throws {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "coffer.test", factory: { _ in handler })
        let harness = CofferHarness(logger: logger)
        let plaintext: String = try await harness.test { client in
            let created = try await call(client, "CreateKey")
            #expect(created.status == .ok)
            let random = try await call(client, "GenerateRandom", #"{"NumberOfBytes": 32}"#)
            #expect(random.status == .ok)
            let failed = try await call(client, "DescribeKey", "{}")
            #expect(failed.status.code == 400)
            return try #require(random.jsonObject()["Plaintext"] as? String)
        }
        let entries = handler.entries
        let requests = entries.filter { $0.message.description == "kms.request" }
        #expect(requests.count == 3)
        #expect(requests.map { $0.metadata["kms.operation"]?.description } == ["CreateKey", "GenerateRandom", "DescribeKey"])
        #expect(requests.map { $0.metadata["kms.status"]?.description } == ["200", "200", "400"])
        #expect(requests.last?.metadata["kms.error_type"]?.description == "ValidationException")
        #expect(requests.allSatisfy { $0.metadata["kms.request_id"] != nil && $0.metadata["aws.access_key_id"]?.description == "test" })

        let bytes = try #require(Data(base64Encoded: plaintext))
        let forms = [plaintext, Hex.encode(bytes), bytes.base64EncodedString(options: [.lineLength64Characters])]
        for entry in entries {
            let text = "\(entry.message) \(entry.metadata) \(String(describing: entry.error))"
            for form in forms { #expect(!text.contains(form), "log entry leaks GenerateRandom output: \(entry.message)") }
            #expect(!text.contains("Authorization"), "log entry contains the signature header")
        }
    }
}

@Suite struct DurationFormattingTests {
    @Test(arguments: [
        (Duration.zero, "0.000"),
        (Duration.microseconds(7), "0.007"),
        (Duration.microseconds(1_234), "1.234"),
        (Duration.milliseconds(20) + .microseconds(50), "20.050"),
        (Duration.seconds(3), "3000.000"),
    ])
    func logsDurationsInMillisecondsWithThreeDecimals(duration: Duration, expected: String) {
        #expect(KMSProtocolHandler.milliseconds(duration) == expected)
    }
}
