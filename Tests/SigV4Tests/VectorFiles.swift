import Foundation
import Testing

@testable import SigV4

/// Loads the JSON fixtures in `Vectors/` next to this file (no SwiftPM resources).
enum VectorFiles {
    static func url(_ name: String, relativeTo file: String = #filePath) -> URL {
        URL(fileURLWithPath: file)
            .deletingLastPathComponent()
            .appendingPathComponent("Vectors", isDirectory: true)
            .appendingPathComponent(name)
    }

    static func load<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(name)))
    }

    static func awsSuite() throws -> AWSSuiteFile {
        try load(AWSSuiteFile.self, from: "aws_sigv4_suite.json")
    }

    static func awsSuiteCases() throws -> [AWSSuiteCase] {
        try awsSuite().cases
    }

    static func botocoreCases() throws -> [BotocoreCase] {
        try load(BotocoreFile.self, from: "botocore_kms.json").cases
    }
}
