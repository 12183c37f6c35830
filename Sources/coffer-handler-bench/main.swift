// coffer-handler-bench [N]: N signed Encrypt (64 B) requests through the in-process protocol handler (HandlerBenchmark).
//
// A separate, synchronous program on purpose: bench/callgrind-guard counts its instructions under valgrind, and
// Debian's valgrind 3.19 dies (internal SIGSEGV) on any Swift program with an async `main`, which parks the main thread
// in dispatch_main's sigsuspend. Here the main thread waits on a semaphore while the work runs on the global executor.
import Foundation
import KMSServer

let requests = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000
final class Outcome: @unchecked Sendable {  // written once by the task, read after the semaphore: no overlap
    var result: Result<Int, any Error> = .success(0)
}
let outcome = Outcome()
let done = DispatchSemaphore(value: 0)
Task.detached {  // detached: top-level code is main-actor isolated, and the main thread is about to block
    do { outcome.result = .success(try await HandlerBenchmark().encrypt(requests: requests)) } catch { outcome.result = .failure(error) }
    done.signal()
}
done.wait()
switch outcome.result {
case .success(let ok):
    print("\(ok) of \(requests) Encrypt requests answered 200")
    exit(ok == requests ? 0 : 1)
case .failure(let error):
    print("coffer-handler-bench: \(error)")
    exit(1)
}
