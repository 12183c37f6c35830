// The fuzzing build (scripts/fuzz-swift: -sanitize=fuzzer -DCOFFER_LIBFUZZER) hands `main` to libFuzzer's driver.
// SwiftPM links an executable's `main` to its own entry point, so libFuzzer's `main` cannot be used; its documented
// LLVMFuzzerRunDriver takes the same arguments instead.
#if COFFER_LIBFUZZER
import CLibFuzzer
import Foundation
import KMSCore

/// The target, from COFFER_FUZZ_TARGET; read once, before the driver starts.
nonisolated(unsafe) private var currentTarget: FuzzTarget = .json

enum LibFuzzer {
    /// With COFFER_FUZZ_SEED_DIR set, the target's seeds are written there first (pass the same directory as the
    /// corpus). Returns libFuzzer's exit status.
    static func run() -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        guard let target = FuzzTarget(rawValue: environment["COFFER_FUZZ_TARGET"] ?? "") else {
            FileHandle.standardError.write(Data("COFFER_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue))\n".utf8))
            return 2
        }
        currentTarget = target
        if let directory = environment["COFFER_FUZZ_SEED_DIR"] {
            do { try SeedCorpus.write(target, to: directory) } catch {
                FileHandle.standardError.write(Data("cannot write seeds to \(directory): \(error)\n".utf8))
                return 2
            }
        }
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            currentTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }
    }
}
#endif
