import ArgumentParser
import KMSServer
import NIOCore
import NIOPosix

struct Coffer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer",
        abstract: "An AWS KMS-compatible key management server.",
        version: "coffer \(CofferVersion.current)",
        subcommands: [Serve.self, Byok.self, Authz.self, StoreCommand.self, AuditCommand.self, SeedCommand.self]
    )
}

@main
enum Entry {
    static func main() async {
        // Swift concurrency's jobs run on NIO's event loop threads instead of a separate cooperative pool, so a
        // request does not hop between the socket's event loop and another thread on every read, write and await
        // (NIO's recommendation for servers; measured in bench/README.md). Runs first, on the main thread, before
        // any other task exists.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await Coffer.main()
    }
}
