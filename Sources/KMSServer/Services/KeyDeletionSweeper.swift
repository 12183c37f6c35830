import KMSCore
import Logging
import ServiceLifecycle

/// Deletes keys whose deletion window has passed. A `Service` in the application's group, so it stops
/// with the server; lookups also treat such keys as gone, so the sweeper's period only bounds disk use.
public struct KeyDeletionSweeper: Service {
    let service: KMSService
    let interval: Duration
    let logger: Logger

    public init(service: KMSService, interval: Duration = .seconds(60), logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: interval)
                }
            } catch {
                return
            }
            do {
                let purged = try await service.purgeDueKeys()
                if purged > 0 { logger.info("kms.sweeper.deleted", metadata: ["kms.count": "\(purged)"]) }
            } catch {
                logger.error("kms.sweeper.failed", metadata: ["kms.error_type": "\(error.wireType)"])
            }
        }
    }
}
