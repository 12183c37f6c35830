import Foundation
import Testing

@testable import SigV4

/// `botocore_kms.json`: KMS requests signed by botocore at a frozen time.
struct BotocoreFile: Decodable, Sendable {
    var botocoreVersion: String
    var cases: [BotocoreCase]
}
