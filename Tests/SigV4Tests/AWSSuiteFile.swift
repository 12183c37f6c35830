import Foundation
import Testing

@testable import SigV4

/// `aws_sigv4_suite.json`: the AWS SigV4 test suite (header-signing cases).
struct AWSSuiteFile: Decodable, Sendable {
    var accessKeyID: String
    var secretAccessKey: String
    var region: String
    var service: String
    var amzDate: String
    var cases: [AWSSuiteCase]
}
