import Synchronization

/// A small, bounded, thread-safe cache of derived signing keys, keyed by
/// (secret, date, region, service). A signing key only changes daily, so
/// this saves four HMACs per request. The whole cache is dropped when it
/// is full: simple, bounded, and a miss costs only the derivation.
final class SigningKeyCache: Sendable {
    private struct Key: Hashable {
        var secret: String
        var date: String
        var region: String
        var service: String
    }

    private let capacity: Int
    private let storage = Mutex<[Key: SigningKey]>([:])

    init(capacity: Int = 128) {
        self.capacity = max(capacity, 0)
    }

    func signingKey(secretAccessKey: String, date: String, region: String, service: String) -> SigningKey {
        guard capacity > 0 else {
            return SigningKey(secretAccessKey: secretAccessKey, date: date, region: region, service: service)
        }
        let key = Key(secret: secretAccessKey, date: date, region: region, service: service)
        if let cached = storage.withLock({ $0[key] }) {
            return cached
        }
        let derived = SigningKey(secretAccessKey: secretAccessKey, date: date, region: region, service: service)
        storage.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = derived
        }
        return derived
    }

    var count: Int { storage.withLock { $0.count } }
}
