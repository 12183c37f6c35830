import Foundation
import Testing

@testable import SigV4

struct BotocoreCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var description: String
    var method: String
    var path: String
    var headers: [[String]]
    var bodyBase64: String
    var accessKeyID: String
    var secretAccessKey: String
    var sessionToken: String?
    var region: String
    var service: String
    var amzDate: String
    var canonicalRequest: String
    var stringToSign: String
    var authorization: String
    var signature: String

    var testDescription: String { name }

    var body: [UInt8] { Array(Data(base64Encoded: bodyBase64) ?? Data()) }

    var credentials: SigV4Credentials {
        SigV4Credentials(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }

    var request: SigV4Request {
        SigV4Request(method: method, path: path, headers: headers.pairs, body: body)
    }

    var signingDate: Date {
        AmzDate(iso8601Basic: amzDate)?.date ?? .distantPast
    }

    var usesUnsignedPayload: Bool {
        request.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" && $0.value == "UNSIGNED-PAYLOAD" }
    }

    var usesDateHeader: Bool {
        !request.headers.contains { $0.name.lowercased() == "x-amz-date" }
    }
}
