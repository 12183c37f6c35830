// Without libFuzzer (an ordinary `swift build`), coffer-fuzz replays inputs through the same targets: to reproduce a
// finding (`crash-*` files libFuzzer writes) under a debugger or in a normal build, and to run a saved corpus.
//
//   coffer-fuzz <target> FILE|DIR...     every file, once; exit 0 when none traps
//   coffer-fuzz <target> --seeds DIR     write the target's seed corpus
import Foundation
import KMSCore

@main
enum CofferFuzz {
    static func main() throws {
        #if COFFER_LIBFUZZER
        exit(LibFuzzer.run())
        #else
        try Replay.run()
        #endif
    }
}

enum Replay {
    static func run() throws {
        var arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.popFirst(), let target = FuzzTarget(rawValue: name) else {
            print("usage: coffer-fuzz <\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))> (FILE|DIR...|--seeds DIR)")
            exit(2)
        }
        if arguments.first == "--seeds", let directory = arguments.dropFirst().first {
            try SeedCorpus.write(target, to: directory)
            return
        }
        var count = 0
        for path in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ReplayError.missing(path) }
            let files = isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" } : [path]
            for file in files {
                target.run(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                count += 1
            }
        }
        print("\(target.rawValue): \(count) inputs replayed, no finding")
    }

    enum ReplayError: Error { case missing(String) }
}
