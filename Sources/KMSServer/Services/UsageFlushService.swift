import KMSCore
import Logging
import ServiceLifecycle

/// Writes pending key-usage records (GetKeyLastUsage) to the store every `interval`, and once more when the server
/// shuts down gracefully: counted requests never wait for a database write (docs/operations.md).
public struct UsageFlushService: Service {
    let service: KMSService
    let interval: Duration
    let logger: Logger

    public init(service: KMSService, interval: Duration = .seconds(1), logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await Periodically.run(every: interval, finallyOnce: true) { await flush() }
    }

    private func flush() async {
        do {
            _ = try await service.flushUsage()
        } catch {
            logger.error("kms.usage.flush_failed", metadata: ["kms.error_type": "\(error.wireType)"])
        }
    }
}
