import ArgumentParser

@main
struct Coffer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer",
        abstract: "An AWS KMS-compatible key management server.",
        subcommands: [Serve.self, Byok.self]
    )
}
