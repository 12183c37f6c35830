import Crypto
import Foundation
import SwiftASN1

/// `MessageType` of Sign and Verify.
public enum MessageType: String, Sendable, Codable {
    case raw = "RAW", digest = "DIGEST", externalMu = "EXTERNAL_MU"
}
