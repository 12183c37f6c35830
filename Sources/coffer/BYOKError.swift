import Foundation
import SigV4

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A failure of the client itself (configuration, transport, unreadable answer).
struct BYOKError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
