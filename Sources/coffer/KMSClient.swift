import Foundation
import KMSCore
import SigV4

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A minimal KMS client: AWS JSON 1.1 POSTs signed with SigV4, sent with URLSession.
struct KMSClient: Sendable {
    let endpoint: URL
    let signer: SigV4Signer
    /// The `Host` header value the transport sends (host, plus the port when it is not the scheme's default).
    let hostHeader: String
    /// The request path as it goes on the wire.
    let path: String

    init(configuration: AWSClientConfiguration) {
        endpoint = configuration.endpoint
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "kms")
        let scheme = configuration.endpoint.scheme?.lowercased() ?? "https"
        var host = configuration.endpoint.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        if let port = configuration.endpoint.port, port != (scheme == "https" ? 443 : 80) {
            host += ":\(port)"
        }
        hostHeader = host
        let rawPath = URLComponents(url: configuration.endpoint, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
        path = rawPath.isEmpty ? "/" : rawPath
    }

    /// AWS JSON 1.1 bodies as the server reads and writes them: base64 blobs, epoch-second timestamps. Requests and
    /// answers are the server's own types (KMSCore), so client and server cannot drift apart.
    static var encoder: JSONEncoder { EpochSecondsJSON.encoder }
    static var decoder: JSONDecoder { EpochSecondsJSON.decoder }

    /// Calls `TrentService.<operation>` and decodes the answer.
    /// - Throws: `AWSServiceError` for an error answer, `BYOKError` for transport or decoding failures.
    func call<Request: Encodable, Response: Decodable>(_ operation: String, _ request: Request, as: Response.Type) async throws -> Response {
        let body: Data
        do {
            body = try Self.encoder.encode(request)
        } catch {
            throw BYOKError("cannot encode the \(operation) request.")
        }
        let headers: [(name: String, value: String)] = [
            ("host", hostHeader),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.\(operation)"),
        ]
        let signed = signer.signedHeaders(method: "POST", path: path, headers: headers, body: Array(body), date: Date())

        var urlRequest = URLRequest(url: endpoint, timeoutInterval: 60)
        urlRequest.httpMethod = "POST"
        urlRequest.httpBody = body
        for header in headers + signed where header.name != "host" {
            urlRequest.setValue(header.value, forHTTPHeaderField: header.name)
        }

        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: urlRequest)
        } catch {
            throw BYOKError("\(operation) request to \(endpoint.absoluteString) failed: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw BYOKError("\(operation): no HTTP response from \(endpoint.absoluteString).")
        }
        guard (200..<300).contains(http.statusCode) else {
            throw Self.serviceError(status: http.statusCode, headerType: http.value(forHTTPHeaderField: "x-amzn-ErrorType"), body: data)
        }
        do {
            return try Self.decoder.decode(Response.self, from: data)
        } catch {
            throw BYOKError("\(operation): the response from \(endpoint.absoluteString) is not the expected JSON.")
        }
    }

    /// Reads an AWS JSON 1.1 error: `__type` (without an `ns#` prefix or `:suffix`) and `message`/`Message`.
    static func serviceError(status: Int, headerType: String?, body: Data) -> AWSServiceError {
        var type: String?
        var message = ""
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
            type = object["__type"] as? String
            message = (object["message"] as? String) ?? (object["Message"] as? String) ?? ""
        }
        if type?.isEmpty ?? true { type = headerType }
        guard var name = type, !name.isEmpty else {
            return AWSServiceError(type: "HTTP \(status)", message: message)
        }
        if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
        if let hash = name.lastIndex(of: "#") { name = String(name[name.index(after: hash)...]) }
        return AWSServiceError(type: name, message: message)
    }
}
