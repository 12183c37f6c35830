import Foundation
import KMSCore
import SigV4

/// A configuration problem found at start-up.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
