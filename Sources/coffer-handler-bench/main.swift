// coffer-handler-bench: workloads through the in-process protocol handler, for the benchmarks.
//
//   coffer-handler-bench [encrypt] N     N signed Encrypt (64 B) requests (bench/callgrind-guard counts this one)
//   coffer-handler-bench import BITS N   CPU per ImportKeyMaterial (RSAES_OAEP_SHA_256) and, in the same run, per bare
//                                        RSA-OAEP-SHA256 private operation with OpenSSL 3 and with BoringSSL
//
// A separate, synchronous program on purpose: Debian's valgrind 3.19 dies (internal SIGSEGV) on any Swift program with
// an async `main`, which parks the main thread in dispatch_main's sigsuspend. Here the main thread waits on a semaphore
// while the work runs on the global executor.
import Foundation
import KMSServer

let words = Array(CommandLine.arguments.dropFirst())
let named = !words.isEmpty && Int(words[0]) == nil
let mode = named ? words[0] : "encrypt"
let numbers = (named ? words.dropFirst() : words[...]).compactMap { Int($0) }

final class Outcome: @unchecked Sendable {  // written once by the task, read after the semaphore: no overlap
    var result: Result<String, any Error> = .success("")
    var failed = false
}
let outcome = Outcome()
let done = DispatchSemaphore(value: 0)
Task.detached { [mode, numbers] in  // detached: top-level code is main-actor isolated, and the main thread is about to block
    do {
        switch mode {
        case "encrypt":
            let requests = numbers.first ?? 1000
            let ok = try await HandlerBenchmark().encrypt(requests: requests)
            outcome.failed = ok != requests
            outcome.result = .success("\(ok) of \(requests) Encrypt requests answered 200")
        case "import":
            let bits = numbers.first ?? 2048
            let count = numbers.dropFirst().first ?? 200
            let bare = try RSABenchmark.run(bits: bits, count: count)
            let imported = try await ImportBenchmark.run(bits: bits, count: count)
            let faster = min(bare.openSSL, bare.boringSSL)
            outcome.result = .success(
                String(
                    format: "RSA_%d: ImportKeyMaterial %.1f us CPU; bare RSA-OAEP-SHA256 decrypt: OpenSSL 3 %.1f us, BoringSSL %.1f us; "
                        + "import / OpenSSL %.2f, import / faster %.2f",
                    bits, imported, bare.openSSL, bare.boringSSL, imported / bare.openSSL, imported / faster
                )
            )
        default:
            throw BenchmarkError("unknown mode \(mode); use encrypt N or import BITS N")
        }
    } catch {
        outcome.result = .failure(error)
    }
    done.signal()
}
done.wait()
switch outcome.result {
case .success(let line):
    print(line)
    exit(outcome.failed ? 1 : 0)
case .failure(let error):
    print("coffer-handler-bench: \(error)")
    exit(1)
}
