import KMSCore
import Logging
import ServiceLifecycle

/// Deletes keys whose deletion window has passed, key material past its ValidTo, and expired wrapping keys; rotates
/// keys whose automatic rotation is due.
/// A `Service` in the application's group, so it stops with the server. Lookups also apply both dates at each use,
/// so the sweeper's period only bounds how long deleted secrets stay on disk.
public struct KeyDeletionSweeper: Service {
    let service: KMSService
    let interval: Duration
    let logger: Logger

    public init(service: KMSService, interval: Duration = .seconds(5), logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await Periodically.run(every: interval) {
            do throws(KMSError) {
                let work = try await service.runDueWork()
                if work.deleted > 0 { logger.info("kms.sweeper.deleted", metadata: ["kms.count": "\(work.deleted)"]) }
                if work.expired > 0 { logger.info("kms.sweeper.material_expired", metadata: ["kms.count": "\(work.expired)"]) }
                if work.rotated > 0 { logger.info("kms.sweeper.rotated", metadata: ["kms.count": "\(work.rotated)"]) }
            } catch {
                logger.error("kms.sweeper.failed", metadata: ["kms.error_type": "\(error.wireType)"])
            }
        }
    }
}
