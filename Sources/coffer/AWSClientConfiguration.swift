import Foundation
import SigV4

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where and as whom to call KMS: the standard AWS environment, overridden by command-line flags.
struct AWSClientConfiguration {
    var endpoint: URL
    var region: String
    var credentials: SigV4Credentials

    /// - `--region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    /// - `--endpoint-url`, else `AWS_ENDPOINT_URL_KMS`, else `AWS_ENDPOINT_URL` (both ignored when
    ///   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true), else `https://kms.<region>.amazonaws.com`.
    /// - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`.
    static func resolve(endpointURL: String?, region: String?, environment: [String: String]) throws(BYOKError) -> AWSClientConfiguration {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        guard let region = region ?? value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") else {
            throw BYOKError("no region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION).")
        }
        guard let accessKey = value("AWS_ACCESS_KEY_ID"), let secretKey = value("AWS_SECRET_ACCESS_KEY") else {
            throw BYOKError("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials).")
        }
        let ignoreConfigured = value("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.lowercased() == "true"
        let configured = ignoreConfigured ? nil : (value("AWS_ENDPOINT_URL_KMS") ?? value("AWS_ENDPOINT_URL"))
        let text = endpointURL ?? configured ?? "https://kms.\(region).amazonaws.com"
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw BYOKError("the endpoint URL '\(text)' is not an http:// or https:// URL.")
        }
        let credentials = SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: value("AWS_SESSION_TOKEN"))
        return AWSClientConfiguration(endpoint: url, region: region, credentials: credentials)
    }
}
