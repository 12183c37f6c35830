import Foundation
import Hummingbird
import KMSCore
import Logging
import Metrics
import Prometheus
import Synchronization

/// Keys by state, counted over the whole store at most every 30 seconds.
final class KeyStateCounts: Sendable {
    private let cached = Mutex<(at: ContinuousClock.Instant, counts: [KeyState: Int])?>(nil)

    func counts(service: KMSService) async -> [KeyState: Int]? {
        if let cached = cached.withLock({ $0 }), ContinuousClock.now - cached.at < .seconds(30) { return cached.counts }
        var counts: [KeyState: Int] = [:]
        let now = service.clock.now()
        do {
            try await service.store.forEachKey { key in
                var key = key
                _ = key.expireMaterials(at: now)
                counts[key.state, default: 0] += 1
            }
        } catch {
            return nil
        }
        let result = counts
        cached.withLock { $0 = (ContinuousClock.now, result) }
        return counts
    }
}
