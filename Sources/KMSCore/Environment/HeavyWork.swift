import Dispatch

/// CPU-heavy cryptography (RSA key generation, RSA private-key operations) runs on a Dispatch queue, never on the
/// threads that serve sockets and Swift tasks. In the server those are NIO's event loops (the `coffer` executable makes
/// them Swift concurrency's executor): a multi-second RSA-4096 key generation there would stall every connection on
/// that loop, including its accepts. The hop costs microseconds, next to milliseconds of RSA.
public enum HeavyWork {
    /// - Parameter qos: `.userInitiated` for work a request waits for; `.utility` for background refills.
    public static func run<T: Sendable>(
        qos: DispatchQoS.QoSClass = .userInitiated, _ body: @escaping @Sendable () throws(KMSError) -> T
    ) async throws(KMSError) -> T {
        let result: Result<T, KMSError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: qos).async {
                continuation.resume(returning: Result { () throws(KMSError) -> T in try body() })
            }
        }
        return try result.get()
    }
}
