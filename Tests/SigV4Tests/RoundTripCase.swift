import Testing

struct RoundTripCase: Sendable, CustomTestStringConvertible {
    var label: String
    var method: String = "POST"
    var path: String = "/"
    var extraHeaders: [(name: String, value: String)] = []
    var body: String = "{}"
    var region: String = "us-east-1"
    var temporary: Bool = false
    var includeContentSHA256: Bool = false

    var testDescription: String { label }
}
