import Foundation
import SigV4

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An error answer from KMS (`__type` and `message` of an AWS JSON 1.1 error body).
struct AWSServiceError: Error, CustomStringConvertible {
    var type: String
    var message: String
    var description: String { message.isEmpty ? type : "\(type): \(message)" }
}
