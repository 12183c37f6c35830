import Foundation
import Testing

@testable import SigV4

struct AWSSuiteCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var method: String
    var path: String
    var headers: [[String]]
    var body: String
    var sessionToken: String?
    var normalize: Bool
    var canonicalRequest: String
    var stringToSign: String
    var signature: String

    var testDescription: String { name }

    static let accessKeyID = "AKIDEXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let amzDate = "20150830T123600Z"
    static let scope = "20150830/us-east-1/service/aws4_request"

    var credentials: SigV4Credentials {
        SigV4Credentials(accessKeyID: Self.accessKeyID, secretAccessKey: Self.secretAccessKey, sessionToken: sessionToken)
    }

    var request: SigV4Request {
        SigV4Request(method: method, path: path, headers: headers.pairs, body: Array(body.utf8))
    }

    /// The request's headers without Authorization (what the signer saw).
    var unsignedHeaders: [(name: String, value: String)] {
        headers.pairs.filter { $0.name.lowercased() != "authorization" }
    }
}
