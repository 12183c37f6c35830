import ServiceLifecycle

/// The loop of Coffer's background services: `work` every `interval` until graceful shutdown (or cancellation);
/// with `finallyOnce: true` the work runs one last time after shutdown began (to write what is pending).
enum Periodically {
    static func run(every interval: Duration, finallyOnce: Bool = false, _ work: () async -> Void) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: interval)
                }
            } catch {
                break
            }
            await work()
        }
        if finallyOnce { await work() }
    }
}
