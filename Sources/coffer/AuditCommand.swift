import ArgumentParser
import Foundation
import KMSCore
import KMSServer

/// `coffer audit verify|query`: reads audit files (docs/audit.md).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify and query audit log files.", subcommands: [Verify.self, Query.self]
    )

    /// A file's lines, in the files' chain order (by their first record's sequence).
    static func ordered(_ paths: [String]) throws -> [(path: String, lines: [(number: Int, line: ArraySlice<UInt8>)])] {
        var files: [(path: String, first: UInt64, lines: [(number: Int, line: ArraySlice<UInt8>)])] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("Cannot read \(path).")
            }
            let lines = AuditChain.lines(Array(data))
            var first = UInt64.max
            if let line = lines.first?.line, case .success(let record) = AuditChain.open(line) { first = record.sequence }
            files.append((path, first, lines))
        }
        return files.sorted { $0.first < $1.first }.map { ($0.path, $0.lines) }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain of audit files (the active file and its rotated files, in any order).",
            discussion: "Exit status: 0 when every record is intact and linked to the one before; 1 at the first broken record, named FILE:LINE."
        )

        @Argument(help: "Audit files.") var files: [String]

        func run() async throws {
            var verifier = AuditChain.Verifier()
            let ordered = try AuditCommand.ordered(files)
            for file in ordered {
                for (number, line) in file.lines {
                    do {
                        _ = try verifier.check(line)
                    } catch {
                        print("\(file.path):\(number): \(error.description)")
                        throw ExitCode(1)
                    }
                }
            }
            guard let first = verifier.first, let last = verifier.last else {
                print("OK: 0 records in \(ordered.count) file(s)")
                return
            }
            print("OK: \(verifier.records) records in \(ordered.count) file(s), sequence \(first)-\(last.sequence)")
        }
    }

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the events of one key, in order.")

        @Option(help: "A key ID or key ARN.") var key: String
        @Option(help: "Only events at or after this time (ISO 8601, e.g. 2026-12-04T17:00:00Z).") var since: String?
        @Option(help: "Only events before this time (ISO 8601).") var until: String?
        @Argument(help: "Audit files.") var files: [String]

        func run() async throws {
            let since = try since.map(Self.time)
            let until = try until.map(Self.time)
            for file in try AuditCommand.ordered(files) {
                for (_, line) in file.lines {
                    guard let event = try? JSONParser.parse(Array(line)), matches(event, since: since, until: until) else { continue }
                    FileHandle.standardOutput.write(Data(line + [0x0A]))
                }
            }
        }

        static func time(_ text: String) throws -> Date {
            guard let date = AuditTime.parse(text) else { throw ValidationError("'\(text)' is not an ISO 8601 time such as 2026-12-04T17:00:00Z.") }
            return date
        }

        func matches(_ event: JSONValue, since: Date?, until: Date?) -> Bool {
            if since != nil || until != nil {
                guard case .string(let text)? = event["eventTime"], let time = AuditTime.parse(text) else { return false }
                if let since, time < since { return false }
                if let until, time >= until { return false }
            }
            guard case .array(let resources)? = event["resources"] else { return false }
            return resources.contains { resource in
                guard case .string(let arn)? = resource["ARN"] else { return false }
                return arn == key || arn.hasSuffix(":key/" + key)
            }
        }
    }
}
