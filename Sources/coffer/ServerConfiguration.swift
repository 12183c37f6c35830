import Foundation
import KMSCore
import KMSServer

/// The `--config FILE` document (JSON). Every member is optional; command-line flags win over the file.
struct ServerConfiguration: Decodable {
    struct RootKeySource: Decodable {
        /// A file holding the 32-byte root key (created with mode 0600 on first start if missing and the store is new).
        var file: String?
        /// The name of an environment variable holding the base64 of the 32-byte root key.
        var env: String?
    }

    struct Store: Decodable {
        /// `sqlite` (the default) or `postgres`.
        var type: String?
        /// The SQLite database file; default `<dataDir>/coffer.sqlite`.
        var path: String?
        /// PostgreSQL: `postgres://user:password@host:5432/database[?sslmode=disable|prefer|require]`.
        var url: String?
        /// PostgreSQL: the name of an environment variable holding the password (instead of the URL's).
        var passwordEnv: String?
    }

    /// The audit log (docs/audit.md).
    struct Audit: Decodable {
        var file: String
        /// `sync` (the default) or `async`.
        var mode: String?
        var maxFileBytes: Int?
        var bufferEvents: Int?
    }

    /// The operator's listener: `/metrics` and `/health/*` (docs/operations-guide.md).
    struct Listener: Decodable {
        var host: String?
        var port: Int
    }

    /// Connection timeouts of the KMS listener, in seconds.
    struct HTTP: Decodable {
        /// A connection waiting for a request is closed after this long (default 60).
        var idleTimeoutSeconds: Int?
        /// A request must arrive whole within this long of its head (default 30).
        var requestTimeoutSeconds: Int?
    }

    /// HTTPS for the KMS listener.
    struct TLS: Decodable {
        var certificate: String
        var privateKey: String
    }

    var host: String?
    var port: Int?
    var dataDir: String?
    var store: Store?
    var credentialsFile: String?
    var rootKey: RootKeySource?
    var logLevel: String?
    /// Pre-generated wrapping keys per size for GetParametersForImport, e.g. `{"RSA_2048": 4, "RSA_4096": 2}`.
    var wrappingKeyPool: [String: Int]?
    /// Not for production: a clock that `CofferDevelopment.AdvanceClock` moves forward (docs/configuration.md).
    var developmentClock: Bool?
    /// `enforce` (the default), `audit` or `off` (docs/authorization.md).
    var authorization: String?
    var audit: Audit?
    var metrics: Listener?
    var tls: TLS?
    var http: HTTP?
    /// A seed file (YAML or JSON) of keys and aliases applied at every start (docs/seed.md).
    var seed: String?

    /// The audit log's settings, checked.
    func auditConfiguration() throws -> AuditLog.Configuration? {
        guard let audit else { return nil }
        guard let mode = AuditLog.Mode(rawValue: audit.mode ?? "sync") else {
            throw ConfigurationError("audit.mode: '\(audit.mode ?? "")' is not one of sync, async.")
        }
        let maxFileBytes = audit.maxFileBytes ?? 100 << 20
        guard maxFileBytes >= 1024 else { throw ConfigurationError("audit.maxFileBytes: \(maxFileBytes) is below 1024.") }
        let bufferEvents = audit.bufferEvents ?? 10_000
        guard bufferEvents >= 1 else { throw ConfigurationError("audit.bufferEvents: \(bufferEvents) is below 1.") }
        return AuditLog.Configuration(path: audit.file, mode: mode, maxFileBytes: maxFileBytes, bufferEvents: bufferEvents)
    }

    /// The authorization mode, or a configuration error naming the accepted values.
    func authorizationMode() throws -> AuthorizationMode {
        guard let text = authorization else { return .enforce }
        guard let mode = AuthorizationMode(rawValue: text) else {
            throw ConfigurationError("authorization: '\(text)' is not one of enforce, audit, off.")
        }
        return mode
    }

    static func load(_ path: String) throws -> ServerConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("Cannot read the configuration file \(path).")
        }
        do {
            return try JSONDecoder().decode(ServerConfiguration.self, from: data)
        } catch {
            throw ConfigurationError("The configuration file \(path) is not valid: \(error)")
        }
    }
}
