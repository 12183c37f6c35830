import Hummingbird
import KMSCore
import Logging
import ServiceLifecycle

/// Builds the HTTP application that `coffer serve` runs and the tests drive.
/// - Parameters:
///   - services: background services (the deletion sweeper, later the wrapping-key pool) run with the server
///     and shut down after it.
public func buildApplication(
    service: KMSService,
    identities: IdentityDirectory,
    host: String,
    port: Int,
    services: [any Service] = [],
    developmentClock: DevelopmentClock? = nil,
    logger: Logger
) -> some ApplicationProtocol {
    let responder = KMSResponder(service: service, identities: identities, developmentClock: developmentClock)
    return Application(
        responder: responder,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Coffer"),
        services: services,
        logger: logger
    )
}
