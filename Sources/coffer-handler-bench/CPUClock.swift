import Foundation

/// The process's CPU time (user + system), for CPU per operation in the benchmarks.
enum CPUClock {
    static func seconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Microseconds of CPU per iteration of `body`, run `count` times.
    static func microsecondsPerCall(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        let start = seconds()
        for _ in 0..<count { try body() }
        return (seconds() - start) * 1e6 / Double(count)
    }
}
