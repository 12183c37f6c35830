import Testing

@testable import SigV4

/// One row of the malformed-Authorization table.
struct MalformedAuthorization: Sendable, CustomTestStringConvertible {
    var label: String
    var authorization: String?
    var code: SigV4Error.Code
    var messageContains: String

    var testDescription: String { label }
}
