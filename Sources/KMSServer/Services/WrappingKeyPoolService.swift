import KMSCore
import Logging
import ServiceLifecycle

/// Keeps the wrapping-key pool of GetParametersForImport full: checks it every `interval` and generates the keys
/// that were taken. Runs in the application's service group and stops with it.
public struct WrappingKeyPoolService: Service {
    let pool: WrappingKeyPool
    let interval: Duration
    let logger: Logger

    public init(pool: WrappingKeyPool, interval: Duration = .milliseconds(200), logger: Logger) {
        self.pool = pool
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let generated = await pool.refill { !Task.isCancelled && !Task.isShuttingDownGracefully }
            if generated > 0 { logger.debug("kms.wrapping_pool.refilled", metadata: ["kms.count": "\(generated)"]) }
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: interval)
                }
            } catch {
                return
            }
        }
    }
}
