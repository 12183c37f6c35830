import Hummingbird
import HummingbirdTLS
import KMSCore
import Logging
import NIOSSL
import ServiceLifecycle

/// Builds the HTTP application that `coffer serve` runs and the tests drive.
/// - Parameters:
///   - services: background services (the deletion sweeper, the wrapping-key pool, the audit writer, the operator
///     listener) run with the server and shut down after it.
///   - tls: when set, the listener serves HTTPS only.
public func buildApplication(
    service: KMSService,
    identities: IdentityDirectory,
    host: String,
    port: Int,
    services: [any Service] = [],
    developmentClock: DevelopmentClock? = nil,
    audit: AuditLog? = nil,
    tls: TLSConfiguration? = nil,
    logger: Logger
) throws -> some ApplicationProtocol {
    let responder = KMSResponder(
        handler: KMSProtocolHandler(
            service: service, identities: identities, developmentClock: developmentClock, audit: audit, secureTransport: tls != nil,
            logger: logger
        )
    )
    return Application(
        responder: responder,
        server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Coffer"),
        services: services,
        logger: logger
    )
}
