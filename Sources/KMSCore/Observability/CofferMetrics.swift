import Metrics

/// The metrics Coffer's core and stores report, through swift-metrics (a no-op until `coffer serve` bootstraps the
/// Prometheus factory, which happens before the first handle is made). Names and labels are listed in
/// docs/operations-guide.md; the handles are made once and reused, so reporting costs an atomic add.
public enum CofferMetrics {
    /// The caches whose hit ratio is exported.
    public enum Cache: String, Sendable, CaseIterable {
        case policy
        case grants
        case keyRecord = "key_record"
    }

    /// The stores whose calls are timed.
    public enum Store: String, Sendable {
        case sqlite
        case postgres
    }

    public static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    private struct CacheCounters: Sendable {
        var hit: Counter
        var miss: Counter
    }

    private static let caches: [Cache: CacheCounters] = Dictionary(uniqueKeysWithValues: Cache.allCases.map {
        ($0, CacheCounters(
            hit: Counter(label: "coffer_cache_lookups_total", dimensions: [("cache", $0.rawValue), ("result", "hit")]),
            miss: Counter(label: "coffer_cache_lookups_total", dimensions: [("cache", $0.rawValue), ("result", "miss")])
        ))
    })

    public static func cacheLookup(_ cache: Cache, hit: Bool) {
        guard let counters = caches[cache] else { return }
        (hit ? counters.hit : counters.miss).increment()
    }

    private static let sqliteTimer = Timer(label: "coffer_store_duration_seconds", dimensions: [("store", "sqlite")])
    private static let postgresTimer = Timer(label: "coffer_store_duration_seconds", dimensions: [("store", "postgres")])
    private static let sqliteErrors = Counter(label: "coffer_store_errors_total", dimensions: [("store", "sqlite")])
    private static let postgresErrors = Counter(label: "coffer_store_errors_total", dimensions: [("store", "postgres")])

    /// One store call: how long it took and whether it failed (a driver failure, not an answer such as "exists").
    public static func storeCall(_ store: Store, duration: Duration, failed: Bool) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        switch store {
        case .sqlite:
            sqliteTimer.recordNanoseconds(nanoseconds)
            if failed { sqliteErrors.increment() }
        case .postgres:
            postgresTimer.recordNanoseconds(nanoseconds)
            if failed { postgresErrors.increment() }
        }
    }

    /// A denial (or, in audit mode, a would-be denial) by authorization.
    public static func denial(action: String) {
        Counter(label: "coffer_authorization_denials_total", dimensions: [("action", action)]).increment()
    }
}
