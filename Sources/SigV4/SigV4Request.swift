/// A request as the server saw it, before any interpretation.
public struct SigV4Request: Sendable {
    /// The HTTP method, e.g. "POST". Used verbatim in the canonical request.
    public var method: String
    /// The raw request target: the path plus an optional query, exactly as on
    /// the request line (still percent-encoded), e.g. "/" or "/a%20b?x=1&y=2".
    public var path: String
    /// Every header as received. Names may be in any case and may repeat;
    /// the Host header is included (as "host").
    public var headers: [(name: String, value: String)]
    /// The request body.
    public var body: [UInt8]

    public init(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}
