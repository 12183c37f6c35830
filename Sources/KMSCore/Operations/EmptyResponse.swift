import Foundation

/// The response of operations that return nothing: `{}`.
public struct EmptyResponse: Encodable, Sendable {
    public init() {}
}
